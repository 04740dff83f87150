// The Compare form's gateway controls that came with the Apache worker limit.
export const compareGateways = {
  workers: 'Apache workers',
  workersTitle: 'at most this many threads (apache-event, apache-worker) or processes (apache-prefork); empty: the gateway’s default',
  noKeepAlive: 'a new connection per request',
  workersCount: 'Apache workers: {{count}}',
};
