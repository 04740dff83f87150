// The engine's one door to the host↔agent contract (lab-images/balancer/contract):
// what the engine builds for the agent, how it hands it over, what it reads
// back. Every engine import of the contract goes through this file.
export type { AgentConfigInput } from '../../../lab-images/balancer/contract/config';
export { headerNameSchema, headerValueSchema, hostSchema, httpPathSchema, routeHasMatch } from '../../../lab-images/balancer/contract/l7-values';
export { isDataplaneMode, isDirectReturnMode, isProxyMode } from '../../../lab-images/balancer/contract/vocabulary';
export { applyRelayCommand, RELAY_MARKER } from '../../../lab-images/balancer/contract/relay';
export { AGENT_RUN_DIR, PROG_STATS_MAX_SECONDS, PROG_STATS_PID_FILE, agentHealthSchema, agentStatsSchema, type AgentHealth, type AgentStats } from '../../../lab-images/balancer/contract/report';
export { MAX_SNAT_ADDRS, SNAT_PORT_SPAN } from '../../../lab-images/balancer/contract/limits';
export { DEFAULT_MAX_FLOWS, MAX_MAX_FLOWS, MIN_MAX_FLOWS, flowTable6Bytes, flowTableBytes } from '../../../lab-images/balancer/contract/flow-table';
export { BALANCER_LOCAL_PORTS, SERVER_TIME_WAIT_S, snatCapacityPerBackend } from '../../../lab-images/balancer/contract/snat';
