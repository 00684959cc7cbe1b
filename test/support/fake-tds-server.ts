/**
 * A SQL Server at the network edge: a TCP server speaking just enough TDS 7.4 (MS-TDS) for the
 * real driver stack (tedious -> mssql -> @prisma/adapter-mssql -> Prisma Client) to log in,
 * send statements and receive what a real server answers: errors with their numbers, a login
 * refused with Azure SQL's failover and throttling errors, Entra (federated) authentication, a
 * statement that never returns. It records what the driver sends, so tests can read the
 * parameter declarations SQL Server would compile a plan for.
 *
 * No TLS: clients connect with `encrypt=false` and the server answers that it does not support
 * encryption. Result sets carry INT and NVARCHAR columns only.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** How the fake answers a login or a statement. */
export type TdsReply =
  | { kind: 'ok'; rowCount?: number }
  /** A result set: numbers travel as INT, strings as NVARCHAR. */
  | { kind: 'rows'; columns: string[]; rows: (number | string | null)[][] }
  | { kind: 'error'; number: number; message: string; state?: number; class?: number }
  /** Never answer (a statement that runs past the request timeout); an attention is acknowledged. */
  | { kind: 'silent' }
  /** Drop the connection (a failover, a reset). */
  | { kind: 'close' };

export interface ReceivedRequest {
  /** `batch`: SQL batch; `rpc`: sp_executesql with parameters; `transaction`: BEGIN/COMMIT/ROLLBACK. */
  kind: 'batch' | 'rpc' | 'transaction';
  /** The message decoded as UTF-16LE: statement text, and for RPC the `@P1 nvarchar(max),..` declarations. */
  text: string;
}

export interface FakeTdsBehaviour {
  /** `attempt` counts logins from 1 (each pooled connection logs in once). */
  login?(attempt: number): TdsReply;
  /** Requests after login; tedious's own start-up batch ("set textsize ...") is answered ok. */
  request?(request: ReceivedRequest, index: number): TdsReply;
  /** Ask for Entra (federated) authentication: the driver must present a token. */
  federatedAuthentication?: boolean;
}

export interface FakeTdsServer {
  port: number;
  /** A URL for the fake: user/password login unless `extra` says otherwise. */
  url(extra?: string): string;
  logins(): number;
  requests(): ReceivedRequest[];
  /** Entra access tokens the driver presented, in order. */
  tokens(): string[];
  close(): Promise<void>;
}

const PACKET = {
  SQL_BATCH: 0x01,
  RPC: 0x03,
  REPLY: 0x04,
  ATTENTION: 0x06,
  FEDAUTH: 0x08,
  TRANSACTION: 0x0e,
  LOGIN7: 0x10,
};
const PRELOGIN = 0x12;

const utf16 = (text: string) => Buffer.from(text, 'utf16le');
const uint16LE = (value: number) => {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
};
const uint32LE = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
};
const bVarChar = (text: string) => Buffer.concat([Buffer.from([text.length]), utf16(text)]);
const usVarChar = (text: string) => Buffer.concat([uint16LE(text.length), utf16(text)]);

function done(token: number, status: number, rowCount?: number): Buffer {
  const buffer = Buffer.alloc(13);
  buffer.writeUInt8(token, 0);
  buffer.writeUInt16LE(status | (rowCount === undefined ? 0 : 0x10), 1);
  buffer.writeUInt16LE(0, 3);
  buffer.writeBigUInt64LE(BigInt(rowCount ?? 0), 5);
  return buffer;
}

function errorToken(reply: Extract<TdsReply, { kind: 'error' }>): Buffer {
  const body = Buffer.concat([
    uint32LE(reply.number),
    Buffer.from([reply.state ?? 1, reply.class ?? 16]),
    usVarChar(reply.message),
    bVarChar('fake-sql'),
    bVarChar(''),
    uint32LE(1),
  ]);
  return Buffer.concat([Buffer.from([0xaa]), uint16LE(body.length), body]);
}

/** COLMETADATA + ROW tokens: INT (INTN) or NVARCHAR(4000) columns, nullable. */
function resultSet(reply: Extract<TdsReply, { kind: 'rows' }>): Buffer {
  const isNumber = reply.columns.map((_, index) => reply.rows.some((row) => typeof row[index] === 'number'));
  const collation = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
  const metadata = reply.columns.map((name, index) =>
    Buffer.concat([
      uint32LE(0),
      uint16LE(0x0001),
      isNumber[index]
        ? Buffer.from([0x26, 4])
        : Buffer.concat([Buffer.from([0xe7]), uint16LE(8000), collation]),
      bVarChar(name),
    ]),
  );
  const rows = reply.rows.map((row) =>
    Buffer.concat([
      Buffer.from([0xd1]),
      ...row.map((value, index) => {
        if (isNumber[index])
          return value === null
            ? Buffer.from([0])
            : Buffer.concat([Buffer.from([4]), uint32LE(Number(value))]);
        if (value === null) return uint16LE(0xffff);
        const text = utf16(String(value));
        return Buffer.concat([uint16LE(text.length), text]);
      }),
    ]),
  );
  return Buffer.concat([Buffer.from([0x81]), uint16LE(reply.columns.length), ...metadata, ...rows]);
}

function loginAck(): Buffer {
  const body = Buffer.concat([
    Buffer.from([1]), // interface: T-SQL
    Buffer.from([0x74, 0x00, 0x00, 0x04]), // TDS 7.4
    bVarChar('Fake SQL Server'),
    Buffer.from([16, 0, 0, 1]),
  ]);
  return Buffer.concat([Buffer.from([0xad]), uint16LE(body.length), body]);
}

/** FEDAUTHINFO (0xEE): where to get a token (STS URL) and for which resource (SPN). */
function fedAuthInfo(): Buffer {
  const sts = utf16('https://login.microsoftonline.com/fake-tenant');
  const spn = utf16('https://database.windows.net/');
  const headerLength = 4 + 2 * 9;
  const data = Buffer.concat([
    uint32LE(2),
    Buffer.from([0x01]),
    uint32LE(sts.length),
    uint32LE(headerLength),
    Buffer.from([0x02]),
    uint32LE(spn.length),
    uint32LE(headerLength + sts.length),
    sts,
    spn,
  ]);
  return Buffer.concat([Buffer.from([0xee]), uint32LE(data.length), data]);
}

function preloginResponse(federated: boolean): Buffer {
  const options: [number, Buffer][] = [
    [0x00, Buffer.from([16, 0, 0x03, 0xe8, 0, 0])], // version 16.0.1000
    [0x01, Buffer.from([0x02])], // encryption: not supported
    ...(federated ? ([[0x06, Buffer.from([0x01])]] as [number, Buffer][]) : []),
  ];
  let offset = options.length * 5 + 1;
  const headers: Buffer[] = [];
  for (const [token, data] of options) {
    const header = Buffer.alloc(5);
    header.writeUInt8(token, 0);
    header.writeUInt16BE(offset, 1);
    header.writeUInt16BE(data.length, 3);
    headers.push(header);
    offset += data.length;
  }
  return Buffer.concat([...headers, Buffer.from([0xff]), ...options.map(([, data]) => data)]);
}

function packet(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt8(0x01, 1); // end of message
  header.writeUInt16BE(payload.length + 8, 2);
  header.writeUInt8(1, 6);
  return Buffer.concat([header, payload]);
}

export async function startFakeTdsServer(behaviour: FakeTdsBehaviour = {}): Promise<FakeTdsServer> {
  let logins = 0;
  const requests: ReceivedRequest[] = [];
  const tokens: string[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let message: Buffer[] = [];
    let loggedIn = false;
    let startupBatchSeen = false;
    let silent = false;

    const send = (payload: Buffer) => {
      if (!socket.destroyed) socket.write(packet(PACKET.REPLY, payload));
    };
    const answer = (reply: TdsReply, proc: boolean) => {
      if (reply.kind === 'close') {
        socket.destroy();
        return;
      }
      if (reply.kind === 'silent') {
        silent = true;
        return;
      }
      const final = proc ? 0xfe : 0xfd;
      if (reply.kind === 'error') return send(Buffer.concat([errorToken(reply), done(final, 0x02)]));
      const rows = reply.kind === 'rows' ? resultSet(reply) : Buffer.alloc(0);
      const count = reply.kind === 'rows' ? reply.rows.length : reply.rowCount;
      if (proc) send(Buffer.concat([rows, done(0xff, 0, count ?? 0), done(0xfe, 0)]));
      else send(Buffer.concat([rows, done(0xfd, 0, count)]));
    };
    const login = () => {
      logins += 1;
      const reply = behaviour.login?.(logins) ?? { kind: 'ok' };
      if (reply.kind === 'ok') {
        loggedIn = true;
        send(Buffer.concat([loginAck(), done(0xfd, 0)]));
      } else if (reply.kind === 'error') {
        send(Buffer.concat([errorToken(reply), done(0xfd, 0x02)]));
      } else answer(reply, false);
    };

    const onMessage = (type: number, payload: Buffer) => {
      if (type === PRELOGIN) return send(preloginResponse(behaviour.federatedAuthentication === true));
      if (type === PACKET.LOGIN7) {
        if (behaviour.federatedAuthentication) return send(fedAuthInfo());
        return login();
      }
      if (type === PACKET.FEDAUTH) {
        const length = payload.readUInt32LE(4);
        tokens.push(payload.subarray(8, 8 + length).toString('utf16le'));
        return login();
      }
      if (process.env.TDS_DEBUG) console.log('fake got', type, payload.length);
      if (type === PACKET.ATTENTION) {
        // End the interrupted response, then acknowledge the attention in a message of its own.
        if (silent) send(done(0xfd, 0));
        silent = false;
        return send(done(0xfd, 0x20));
      }
      if (!loggedIn || silent) return;
      // Strings sit at even or odd offsets of an RPC payload: decode at both alignments.
      const request: ReceivedRequest = {
        kind: type === PACKET.RPC ? 'rpc' : type === PACKET.TRANSACTION ? 'transaction' : 'batch',
        text: `${payload.toString('utf16le')}\n${payload.subarray(1).toString('utf16le')}`,
      };
      if (!startupBatchSeen && request.kind === 'batch' && /set textsize/i.test(request.text)) {
        startupBatchSeen = true;
        return answer({ kind: 'ok' }, false);
      }
      requests.push(request);
      if (request.kind === 'transaction') return answer({ kind: 'ok' }, false);
      answer(behaviour.request?.(request, requests.length - 1) ?? { kind: 'ok' }, request.kind === 'rpc');
    };

    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 8) {
        const length = buffered.readUInt16BE(2);
        if (buffered.length < length) return;
        const type = buffered.readUInt8(0);
        const endOfMessage = (buffered.readUInt8(1) & 0x01) === 0x01;
        message.push(buffered.subarray(8, length));
        buffered = buffered.subarray(length);
        if (endOfMessage) {
          const payload = Buffer.concat(message);
          message = [];
          onMessage(type, payload);
        }
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: (extra = ';user=app;password=not-a-real-password') =>
      `sqlserver://127.0.0.1:${port};database=fake;encrypt=false${extra}`,
    logins: () => logins,
    requests: () => [...requests],
    tokens: () => [...tokens],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Starts fake servers for a test file and closes them all at once (call `closeAll` in afterAll). */
export function fakeTdsServers(): {
  start(behaviour?: FakeTdsBehaviour): Promise<FakeTdsServer>;
  closeAll(): Promise<void>;
} {
  const servers: FakeTdsServer[] = [];
  return {
    async start(behaviour) {
      const server = await startFakeTdsServer(behaviour);
      servers.push(server);
      return server;
    },
    async closeAll() {
      for (const server of servers.splice(0)) await server.close();
    },
  };
}
