// Full NAT's capacity, as the host, the agent and the data plane agree on it.
// A snat flow holds one (address, port) slot per backend; once given back, a
// slot rests as long as the servers' TIME_WAIT before it goes to the same
// backend again (core/mode_snat.h; IPv6: lb_v6.h, the same rest), so a backend sustains at most
// ports x addresses / TIME_WAIT new connections a second without a SYN
// meeting an old connection's TIME_WAIT there.
import { SNAT_PORT_MIN, SNAT_PORT_SPAN } from './limits';

/** The balancer node's own ephemeral ports (net.ipv4.ip_local_port_range): above every snat port, so a
 * socket of the balancer's (a health check, HAProxy) never takes a port a snat flow holds. */
export const BALANCER_LOCAL_PORTS = `${SNAT_PORT_MIN + SNAT_PORT_SPAN} 65535`;

/** Linux servers' TIME_WAIT (TCP_TIMEWAIT_LEN), seconds. */
export const SERVER_TIME_WAIT_S = 60;

/** How long a snat port given back rests before it goes to the same backend again while another may be
 * had: the servers' TIME_WAIT plus a second (the data plane's clock rounds a flow's last packet down). */
export const SNAT_REST_S = SERVER_TIME_WAIT_S + 1;

/** New connections a second one backend sustains through `addresses` snat addresses. */
export const snatCapacityPerBackend = (addresses: number): number =>
  Math.floor((SNAT_PORT_SPAN * Math.max(1, addresses)) / SERVER_TIME_WAIT_S);
