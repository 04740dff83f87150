// The Compare form's gateway controls that came with the Apache worker limit.
export const compareGateways = {
  workers: 'Apache workers',
  workersTitle: 'at most this many threads (apache-event, apache-worker) or processes (apache-prefork); empty: the gateway’s default',
  noKeepAlive: 'a new connection per request',
  workersCount: 'Apache workers: {{count}}',
  /** each gateway's I/O model, as a tooltip and in the inspector */
  model: {
    haproxy: 'one event loop per thread',
    nginx: 'event-driven worker processes',
    'apache-event': 'a thread per request in flight, idle keep-alive connections parked on an event loop',
    'apache-worker': 'a thread per connection',
    'apache-prefork': 'a process per connection',
  },
};
