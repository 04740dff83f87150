// Development only: the web UI against the fake LabApi.  node --import tsx test/e2e/dev-server.ts [port]
import { startServer } from '../../electron/server/index';
import { createFakeApi } from './fake-api';

const port = Number(process.argv[2] ?? 0);
const s = await startServer({ port, api: createFakeApi() });
console.log(s.url);
