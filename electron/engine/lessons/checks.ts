// The checks of a lesson's steps, each run on the live lab through the real
// instruments: the packet journey, a capture while requests are sent, the
// counters before and after a burst, a short comparison, the doctor. Each
// says what it expected and what it saw, in every lesson language.
import type { DecodedPacket, DoctorReport, Journey, LabStatus, LessonCheckPart, ServiceStatus } from '../../api';
import { flowsTaken } from '../../api';
import { clientOf, type LessonPort } from './port';
import { t, type LessonCheckDef } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serviceOf(status: LabStatus, name: string): ServiceStatus {
  const s = status.services.find((x) => x.name === name);
  if (!s) throw new Error(`lab ${status.name} has no service ${name}`);
  return s;
}

/** `n` requests to the service, one new connection each, from `client`; how many got an answer. */
export async function sendRequests(port: LessonPort, lab: string, client: string, s: ServiceStatus, n: number): Promise<number> {
  const url = `http://${s.vip}:${s.port}/`;
  const out = await port.sh(lab, client, `ok=0; for i in $(seq ${n}); do curl -s -o /dev/null -m 3 ${url} && ok=$((ok+1)); done; echo $ok`, 60_000 + n * 3_000);
  return Number(out.trim().split('\n').pop()) || 0;
}

/** Until one request to the service is answered (a mode switched or a fault fixed a moment ago), at most `ms`. */
export async function waitServing(port: LessonPort, lab: string, service: string, ms = 15_000): Promise<void> {
  const status = await port.api.status(lab);
  const s = status.services.find((x) => x.name === service) ?? status.services[0];
  if (!s) return;
  const client = clientOf(status);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await sendRequests(port, lab, client, s, 1)) === 1) return;
    await sleep(500);
  }
}

/** Capture on `node` while `traffic` runs: the packets seen, decoded. */
async function captureWhile(port: LessonPort, lab: string, node: string, filter: string, traffic: () => Promise<unknown>): Promise<DecodedPacket[]> {
  const packets: DecodedPacket[] = [];
  const started = await port.api.tapCapture(lab, [{ node }], { filter, ringSize: 10_000 }, { onPacket: (p) => packets.push(p.decoded), onEnd: () => undefined });
  try {
    await traffic();
    await sleep(500); // the last packets reach the reader
  } finally {
    await port.api.stopCapture(started.id).catch(() => undefined);
    await port.api.discardCapture(started.id).catch(() => undefined);
  }
  return packets;
}

const fieldOf = (p: DecodedPacket, name: string): unknown => {
  for (const l of p.layers) for (const f of l.fields) if (f.name === name) return f.value;
  return undefined;
};

const part = (passed: boolean, expected: [string, string], seen: [string, string]): LessonCheckPart => ({ passed, expected: t(...expected), seen: t(...seen) });

// ------------------------------------------------------------------ journey

/** The journey's request path, judged against what the step expects. */
export function judgeJourney(j: Journey, c: Extract<LessonCheckDef, { kind: 'journey' }>): LessonCheckPart[] {
  const own = j.request.hops.flatMap((h) => h.changes.filter((x) => !x.expected).map((x) => ({ ...x, node: h.node })));
  const ownText = own.length ? own.map((x) => `${x.field} ${x.from ?? '∅'} → ${x.to ?? '∅'} (${x.node})`).join('; ') : null;
  const fields = new Set(own.map((x) => x.field));
  const out: LessonCheckPart[] = [];
  if (j.error) out.push(part(false, ['the request followed to the end', '请求被完整跟踪到底'], [`incomplete: ${j.error}`, `不完整：${j.error}`]));
  const rewritten = [`the rewrites seen: ${ownText ?? 'none'}`, `看到的改写：${ownText ?? '无'}`] as [string, string];
  if (c.rewrites?.length) {
    const missing = c.rewrites.filter((f) => !fields.has(f));
    out.push(part(!missing.length, [`the mode rewrites ${c.rewrites.join(', ')}`, `该模式改写 ${c.rewrites.join('、')}`], rewritten));
  }
  if (c.keeps?.length) {
    const touched = c.keeps.filter((f) => fields.has(f));
    out.push(
      part(
        !touched.length,
        [`${c.keeps.join(', ')} left as the client sent them`, `${c.keeps.join('、')} 保持客户端发出时的值`],
        touched.length ? [`rewritten: ${touched.join(', ')} (${ownText})`, `被改写：${touched.join('、')}（${ownText}）`] : [`left alone (${ownText ? `the rewrites: ${ownText}` : 'no rewrite'})`, `未被改写（${ownText ? `改写的是：${ownText}` : '没有改写'}）`],
      ),
    );
  }
  if (c.newConnection !== undefined) {
    const relay = own.find((x) => x.field === 'tcp.stream');
    out.push(
      part(
        !!relay === c.newConnection,
        c.newConnection ? ['the balancer relays the request on a TCP connection of its own', '负载均衡器在自己的 TCP 连接上转发请求'] : ['one TCP connection from the client to the server', '从客户端到服务器只有一条 TCP 连接'],
        relay ? [`two connections: ${relay.from} then ${relay.to} (${relay.node})`, `两条连接：${relay.from}，然后 ${relay.to}（${relay.node}）`] : ['one connection end to end', '端到端只有一条连接'],
      ),
    );
  }
  if (c.viaBalancer !== undefined) {
    const via = j.response.viaBalancer;
    out.push(
      part(
        via === c.viaBalancer,
        c.viaBalancer ? ['the response comes back through the balancer', '响应经由负载均衡器返回'] : ['the response goes to the client without the balancer', '响应不经过负载均衡器直接到达客户端'],
        via ? [`the response crossed the balancer (${j.response.hops.map((h) => h.node).join(' → ')})`, `响应经过了负载均衡器（${j.response.hops.map((h) => h.node).join(' → ')}）`] : [`the response skipped the balancer (${j.response.hops.map((h) => h.node).join(' → ') || 'no hop'})`, `响应绕过了负载均衡器（${j.response.hops.map((h) => h.node).join(' → ') || '无跳'}）`],
      ),
    );
  }
  if (c.clientSeen !== undefined) {
    const at = [...j.request.hops].reverse().find((h) => h.node === j.backend && h.direction === 'in') ?? j.request.hops[j.request.hops.length - 1];
    const src = at?.fields['ip.src'] ?? null;
    const seen = src !== null && src === j.client.address;
    out.push(
      part(
        !!at && seen === c.clientSeen,
        c.clientSeen ? [`the server sees the client's address ${j.client.address}`, `服务器看到客户端的地址 ${j.client.address}`] : [`the server does not see the client's address ${j.client.address}`, `服务器看不到客户端的地址 ${j.client.address}`],
        at ? [`${at.node} received it from ${src ?? '?'}`, `${at.node} 收到的源地址是 ${src ?? '?'}`] : ['no hop reached a server', '没有一跳到达服务器'],
      ),
    );
  }
  if (c.member) {
    out.push(part(!!j.member, ['the router picks one member of the tier', '路由器选出集群中的一个成员'], j.member ? [`member ${j.member} took it`, `由成员 ${j.member} 处理`] : ['no member seen', '没有看到任何成员']));
  }
  return out;
}

// ------------------------------------------------------------------ captures

/** Which way HTTP bytes crossed a node while requests were sent. */
export function judgeThrough(packets: DecodedPacket[], s: ServiceStatus, node: string, responses: boolean): LessonCheckPart {
  const data = packets.filter((p) => (p.brief.payloadLength ?? 0) > 0);
  const req = data.filter((p) => p.brief.dport === s.port);
  const res = data.filter((p) => p.brief.sport === s.port);
  const bytes = (l: DecodedPacket[]) => l.reduce((a, p) => a + p.len, 0);
  const passed = req.length > 0 && (responses ? res.length > 0 : res.length === 0);
  return part(
    passed,
    responses ? [`${node} carries the requests and the responses`, `${node} 同时承载请求和响应`] : [`${node} carries the requests, none of the responses`, `${node} 只承载请求，不承载响应`],
    [
      `${node} saw ${req.length} request packets (${bytes(req)} bytes) and ${res.length} response packets (${bytes(res)} bytes)`,
      `${node} 看到 ${req.length} 个请求报文（${bytes(req)} 字节）和 ${res.length} 个响应报文（${bytes(res)} 字节）`,
    ],
  );
}

/** In tunnel mode: each request packet in, and the same packet out wrapped, larger by `extra` bytes. */
export function judgeOverhead(packets: DecodedPacket[], s: ServiceStatus, node: string, extra: number): LessonCheckPart {
  const key = (p: DecodedPacket) => `${p.brief.sport}/${p.brief.seq}/${p.brief.payloadLength}`;
  const incoming = new Map<string, DecodedPacket>();
  for (const p of packets) if (!p.brief.outer && p.brief.dst === s.vip && p.brief.dport === s.port && (p.brief.payloadLength ?? 0) > 0) incoming.set(key(p), p);
  const diffs: number[] = [];
  for (const p of packets) {
    if (!p.brief.outer || p.brief.dport !== s.port) continue;
    const before = incoming.get(key(p));
    if (before) diffs.push(p.len - before.len);
  }
  const same = [...new Set(diffs)];
  return part(
    diffs.length > 0 && same.length === 1 && same[0] === extra,
    [`each request packet leaves ${node} ${extra} bytes longer (the outer IPv4 header)`, `每个请求报文离开 ${node} 时长 ${extra} 字节（外层 IPv4 头）`],
    diffs.length
      ? [`${diffs.length} packets seen in and out; larger by ${same.join(', ')} bytes`, `看到 ${diffs.length} 个报文的进出；长度增加 ${same.join('、')} 字节`]
      : ['no packet seen both coming in and leaving wrapped', '没有看到报文进入后被封装离开'],
  );
}

/** The nodes that answered the client's who-has for the VIP. */
export function judgeArp(packets: DecodedPacket[], status: LabStatus, vip: string, c: Extract<LessonCheckDef, { kind: 'arp' }>): LessonCheckPart {
  const macs = new Map<string, string>();
  for (const n of status.nodes) for (const i of n.interfaces) macs.set(i.mac.toLowerCase(), n.name);
  const answered = new Set<string>();
  for (const p of packets) {
    if (fieldOf(p, 'arp.opcode') !== 2 || fieldOf(p, 'arp.src.proto_ipv4') !== vip) continue;
    const mac = String(fieldOf(p, 'arp.src.hw_mac') ?? '').toLowerCase();
    answered.add(macs.get(mac) ?? mac);
  }
  const want = new Set([...c.answer, ...(c.alsoAnswers ? [c.alsoAnswers] : [])]);
  const passed = want.size === answered.size && [...want].every((n) => answered.has(n));
  const list = [...answered].sort();
  return part(
    passed,
    [`answers for ${vip} from ${[...want].join(' and ')} only`, `只有 ${[...want].join(' 和 ')} 应答 ${vip}`],
    list.length ? [`answers for ${vip} from ${list.join(', ')}`, `应答 ${vip} 的是 ${list.join('、')}`] : [`no answer for ${vip} was captured`, `没有抓到对 ${vip} 的应答`],
  );
}

// ------------------------------------------------------------------ run

/** Run one check on the live lab; `seen.doctor`: the doctor's report when the step's change just made one (a fix looks again). */
export async function runCheck(port: LessonPort, lab: string, c: LessonCheckDef, seen: { doctor?: DoctorReport } = {}): Promise<LessonCheckPart[]> {
  const { api } = port;
  switch (c.kind) {
    case 'mode': {
      const s = serviceOf(await api.status(lab), c.service);
      return [part(s.mode === c.mode, [`service ${c.service} runs in ${c.mode}`, `服务 ${c.service} 运行在 ${c.mode} 模式`], [`it runs in ${s.mode}`, `它运行在 ${s.mode} 模式`])];
    }
    case 'journey':
      return judgeJourney(await api.journey(lab, { service: c.service }), c);
    case 'through': {
      const status = await api.status(lab);
      const s = serviceOf(status, c.service);
      const client = clientOf(status);
      const packets = await captureWhile(port, lab, c.node, `tcp port ${s.port}`, () => sendRequests(port, lab, client, s, 5));
      return [judgeThrough(packets, s, c.node, c.responses)];
    }
    case 'overhead': {
      const status = await api.status(lab);
      const s = serviceOf(status, c.service);
      const client = clientOf(status);
      const packets = await captureWhile(port, lab, c.node, `tcp port ${s.port} or ip proto 4`, () => sendRequests(port, lab, client, s, 3));
      return [judgeOverhead(packets, s, c.node, c.bytes)];
    }
    case 'arp': {
      const status = await api.status(lab);
      const s = serviceOf(status, c.service);
      // forget the VIP's address first, so the client asks again
      const ask = `ip neigh flush to ${s.vip} 2>/dev/null; curl -s -o /dev/null -m 3 http://${s.vip}:${s.port}/; sleep 0.5`;
      const packets = await captureWhile(port, lab, c.client, 'arp', () => port.sh(lab, c.client, ask));
      return [judgeArp(packets, status, s.vip, c)];
    }
    case 'finding': {
      const r = await api.doctor(lab, {});
      const found = r.findings.some((f) => f.kind === c.finding && f.node === c.node);
      const names = r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind} on ${f.node}`);
      return [
        part(
          found,
          [`the doctor finds ${c.finding} on ${c.node}`, `诊断工具在 ${c.node} 上发现 ${c.finding}`],
          names.length ? [`the doctor found: ${names.join(', ')}`, `诊断结果：${names.join('、')}`] : ['the doctor found no error and no warning', '诊断工具没有发现错误或警告'],
        ),
      ];
    }
    case 'healthy': {
      const r = seen.doctor ?? (await api.doctor(lab, {}));
      const bad = r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind} on ${f.node}`);
      const broken = r.breaks.map((b) => `${b.fault} on ${b.node}`);
      return [
        part(
          !bad.length && !broken.length,
          ['no error, no warning, nothing broken on purpose', '没有错误、没有警告，也没有人为制造的故障'],
          bad.length || broken.length
            ? [`the doctor found: ${[...bad, ...broken.map((b) => `${b} (broken on purpose)`)].join(', ')}`, `诊断结果：${[...bad, ...broken.map((b) => `${b}（人为故障）`)].join('、')}`]
            : [`healthy (${r.findings.length} notes)`, `一切正常（${r.findings.length} 条提示）`],
        ),
      ];
    }
    case 'share': {
      const { id } = await api.startCompare({ lab, service: c.service, modes: [c.low, c.high], object: '100k', connections: 4, duration: 2, warmup: 1, repeat: 1 });
      const cmp = await api.compareDone(id);
      const share = (m: string) => cmp.summary.find((r) => r.mode === m)?.balancerResponseShare;
      const [lo, hi] = [share(c.low), share(c.high)];
      const pct = (x: number | undefined) => (x === undefined ? '?' : `${Math.round(x * 100)} %`);
      return [
        part(
          cmp.complete && lo !== undefined && hi !== undefined && lo < 0.25 && hi > 0.75,
          [`the balancer carries almost none of the response bytes in ${c.low}, almost all in ${c.high}`, `在 ${c.low} 下负载均衡器几乎不承载响应字节，在 ${c.high} 下几乎全部承载`],
          [
            `bytes through the balancer ÷ response bytes: ${c.low} ${pct(lo)}, ${c.high} ${pct(hi)} (comparison ${cmp.id}${cmp.error ? `: ${cmp.error}` : ''})`,
            `经过负载均衡器的字节 ÷ 响应字节：${c.low} ${pct(lo)}，${c.high} ${pct(hi)}（对比 ${cmp.id}${cmp.error ? `：${cmp.error}` : ''}）`,
          ],
        ),
      ];
    }
    case 'spread': {
      const status = await api.status(lab);
      const s = serviceOf(status, c.service);
      const client = clientOf(status);
      const count = (list: Awaited<ReturnType<typeof api.stats>>) => {
        const mine = list.filter((x) => x.service === c.service);
        const out = new Map<string, number>();
        if (c.over === 'members') for (const x of mine) out.set(x.balancer ?? x.service, flowsTaken(x));
        else for (const x of mine) for (const b of x.backends) out.set(b.node, (out.get(b.node) ?? 0) + b.packets + (x.counters[`sessions.${b.node}`] ?? 0));
        return out;
      };
      const before = count(await api.stats(lab));
      const answered = await sendRequests(port, lab, client, s, 24);
      const after = count(await api.stats(lab));
      const took = [...after].filter(([k, v]) => v > (before.get(k) ?? 0)).map(([k, v]) => `${k} +${v - (before.get(k) ?? 0)}`);
      const what = c.over === 'members' ? ['members', '成员'] : ['backends', '后端'];
      return [
        part(
          took.length >= c.atLeast,
          [`at least ${c.atLeast} ${what[0]} of ${c.service} take new connections`, `${c.service} 至少有 ${c.atLeast} 个${what[1]}接到新连接`],
          [`${answered} of 24 requests answered; took some: ${took.join(', ') || 'none'}`, `24 个请求中 ${answered} 个得到应答；接到流量的：${took.join('、') || '无'}`],
        ),
      ];
    }
  }
}
