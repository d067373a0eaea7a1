/**
 * Proves the real-peer harness (test/peers/): kamailio as a TLS registrar/proxy with the test
 * PKI, baresips registered to it calling each other with SRTP, tone, video and recordings.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../../src/demo/peers/baresip.js';
import type { BaresipOptions } from '../../src/demo/peers/baresip.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki } from '../../src/demo/peers/pki.js';
import type { TestPki } from '../../src/demo/peers/pki.js';
import { digestAuthorization, header, randomToken, RawSipConnection, recordRoutes, registerRaw, replyRaw } from '../peers/sip-raw.js';
import type { SipMessage } from '../peers/sip-raw.js';
import { analyzeTone, readWav } from '../peers/wav-tone.js';
import { sleep } from './unit-harness.js';

const ROOM_TONE = 700;
const CALLER_TONE = 1000;
const USERS = [
  { username: 'unit1', password: 'unit1-secret' },
  { username: 'room', password: 'room-secret' },
  { username: 'caller', password: 'caller-secret' },
  { username: 'novideo', password: 'novideo-secret' },
];
const password = (user: string) => USERS.find((u) => u.username === user)!.password;

let pki: TestPki;
let kamailio: Kamailio;
let room: Baresip;
let caller: Baresip;
let novideo: Baresip;

function tlsHandshake(port: number, ca: string): Promise<{ authorized: boolean; error: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const result = { authorized: socket.authorized, error: socket.authorizationError ? String(socket.authorizationError) : null };
      socket.destroy();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

/** Polls until the call has received video frames (or the deadline passes) and returns the stats. */
async function waitForVideo(peer: Baresip, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let stats = await peer.videoStats();
  while ((stats?.framesReceived ?? 0) === 0 && Date.now() < deadline) {
    await sleep(200);
    stats = await peer.videoStats();
  }
  return stats;
}

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath });
  await kamailio.start();
  const peer = (username: string, extra: Partial<BaresipOptions> = {}) =>
    new Baresip({ username, password: password(username), domain: kamailio.domain, proxyPort: kamailio.sipPort, ...extra });
  room = peer('room', { toneHz: ROOM_TONE });
  caller = peer('caller', { toneHz: CALLER_TONE });
  novideo = peer('novideo', { video: false });
  await Promise.all([room.start(), caller.start(), novideo.start()]);
});

// The peers' own logs are the fastest way to see why a call failed.
afterEach(({ task }) => {
  if (task.result?.state !== 'fail') return;
  for (const [name, log] of [['kamailio', kamailio?.log()], ['room', room?.log()], ['caller', caller?.log()], ['novideo', novideo?.log()]]) {
    console.error(`----- ${name} log (tail) -----\n${(log ?? '').slice(-4000)}`);
  }
});

afterAll(async () => {
  await Promise.all([room?.stop(), caller?.stop(), novideo?.stop()]);
  await kamailio?.stop();
  await pki?.cleanup();
});

describe('kamailio with the test PKI', () => {
  it('accepts TLS from a client trusting the test CA, and answers OPTIONS keepalives over it', async () => {
    const handshake = await tlsHandshake(kamailio.tlsPort, pki.ca.certPem);
    expect(handshake).toEqual({ authorized: true, error: null });

    const conn = await RawSipConnection.tls(kamailio.tlsPort, { ca: pki.ca.certPem });
    try {
      const callId = randomToken();
      conn.send(`OPTIONS sip:${kamailio.domain} SIP/2.0`, [
        `Via: SIP/2.0/TLS ${randomToken(4)}.invalid;branch=z9hG4bK${randomToken()};rport`,
        'Max-Forwards: 70',
        `From: <sip:unit1@${kamailio.domain}>;tag=${randomToken()}`,
        `To: <sip:${kamailio.domain}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 OPTIONS',
      ]);
      const reply = await conn.next((m) => header(m, 'call-id') === callId);
      expect(reply.status).toBe(200);
    } finally {
      conn.close();
    }
  });

  it('is not trusted by that client when started with an unrelated certificate', async () => {
    const untrusted = new Kamailio({
      users: USERS,
      certificatePath: pki.untrustedServer.certPath,
      privateKeyPath: pki.untrustedServer.keyPath,
    });
    try {
      await untrusted.start();
      const handshake = await tlsHandshake(untrusted.tlsPort, pki.ca.certPem);
      expect(handshake.authorized).toBe(false);
      expect(handshake.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i);
      await expect(RawSipConnection.tls(untrusted.tlsPort, { ca: pki.ca.certPem })).rejects.toThrow();
    } finally {
      await untrusted.stop();
    }
  });

  it('challenges REGISTER with 401 and refuses a wrong password with 401 again', async () => {
    const conn = await RawSipConnection.tls(kamailio.tlsPort, { ca: pki.ca.certPem });
    try {
      const wrong = await registerRaw(conn, { domain: kamailio.domain, username: 'unit1', password: 'not-the-password' });
      expect(wrong.map((m) => m.status)).toEqual([401, 401]);
      expect(header(wrong[0]!, 'www-authenticate')).toMatch(new RegExp(`realm="${kamailio.domain}"`));
    } finally {
      conn.close();
    }
  });

  it('registers a TLS client that never listens and routes calls to it over its own connection', async () => {
    const conn = await RawSipConnection.tls(kamailio.tlsPort, { ca: pki.ca.certPem });
    try {
      const ok = await registerRaw(conn, { domain: kamailio.domain, username: 'unit1', password: password('unit1') });
      expect(ok.map((m) => m.status)).toEqual([401, 200]);
      expect(header(ok[1]!, 'contact')).toMatch(/\.invalid;transport=tls/);

      // The caller's INVITE reaches the unit through the registered TLS connection.
      const since = caller.events().length;
      await caller.dial(kamailio.aor('unit1'));
      const invite = await conn.next((m) => m.method === 'INVITE', 5000);
      expect(invite.startLine).toMatch(/^INVITE sip:[^@]+@[^ ]+\.invalid;transport=tls SIP\/2\.0$/);
      replyRaw(conn, invite, 486, 'Busy Here', { toTag: randomToken() });
      const closed = await caller.waitForEvent('CALL_CLOSED', { since });
      expect(closed.param).toMatch(/^486/);
      await conn.next((m) => m.method === 'ACK', 5000);
    } finally {
      conn.close();
    }
  });
});

describe('two baresips through kamailio', () => {
  it('establish an SRTP call with audio both ways and video, then hang up', async () => {
    const sinceCaller = caller.events().length;
    const sinceRoom = room.events().length;
    await caller.dial(kamailio.aor('room'));
    await caller.waitForEvent('CALL_ESTABLISHED', { since: sinceCaller });
    await room.waitForEvent('CALL_ESTABLISHED', { since: sinceRoom });

    // SDES-SRTP negotiated for both media on both sides.
    for (const [peer, since] of [[caller, sinceCaller], [room, sinceRoom]] as const) {
      const menc = peer.events().slice(since).filter((e) => e.type === 'CALL_MENC').map((e) => e.param);
      expect(menc).toEqual(expect.arrayContaining(['0,audio,AES_CM_128_HMAC_SHA1_80', '0,video,AES_CM_128_HMAC_SHA1_80']));
      expect(await peer.audioStats()).toEqual({ secure: true, encryption: 'srtp-mand' });
    }

    const callerVideo = await waitForVideo(caller, 8000);
    const roomVideo = await waitForVideo(room, 8000);
    expect(callerVideo?.framesReceived).toBeGreaterThan(0);
    expect(callerVideo?.secure).toBe(true);
    expect(roomVideo?.framesReceived).toBeGreaterThan(0);

    await sleep(2500); // let both sides record a couple of seconds of tone
    await caller.hangup();
    await caller.waitForEvent('CALL_CLOSED', { since: sinceCaller });
    const roomClosed = await room.waitForEvent('CALL_CLOSED', { since: sinceRoom });
    expect(roomClosed.param).toMatch(/reset by peer/i); // BYE from the caller

    const roomRecordings = await room.recordings();
    const callerRecordings = await caller.recordings();
    const roomHeard = analyzeTone(await readWav(roomRecordings.received.at(-1)!), CALLER_TONE);
    const callerHeard = analyzeTone(await readWav(callerRecordings.received.at(-1)!), ROOM_TONE);
    const roomSent = analyzeTone(await readWav(roomRecordings.sent.at(-1)!), ROOM_TONE);
    expect(roomHeard.toneSeconds).toBeGreaterThan(1.5);
    expect(callerHeard.toneSeconds).toBeGreaterThan(1.5);
    expect(roomSent.toneSeconds).toBeGreaterThan(1.5);
    // And not its own tone: what the room received is the caller's, not an echo.
    expect(analyzeTone(await readWav(roomRecordings.received.at(-1)!), ROOM_TONE).toneSeconds).toBe(0);
  });

  it('lets a TLS client call the room like the unit does: 407, SRTP answer, in-dialog BYE back over TLS', async () => {
    const rtp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', resolve));
    let rtpPackets = 0;
    rtp.on('message', () => rtpPackets++);
    const conn = await RawSipConnection.tls(kamailio.tlsPort, { ca: pki.ca.certPem });
    try {
      const unit = { domain: kamailio.domain, username: 'unit1', password: password('unit1') };
      expect((await registerRaw(conn, unit)).at(-1)?.status).toBe(200);

      const callId = randomToken(10);
      const fromTag = randomToken();
      const target = kamailio.aor('room');
      const via = () => `Via: SIP/2.0/TLS ${randomToken(4)}.invalid;branch=z9hG4bK${randomToken(8)};rport`;
      const dialogHeaders = (cseq: string, to = `<${target}>`) => [
        'Max-Forwards: 70', `From: <sip:unit1@${kamailio.domain}>;tag=${fromTag}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq}`,
      ];
      const sdp = [
        'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
        `m=audio ${rtp.address().port} RTP/SAVP 96`, 'a=rtpmap:96 opus/48000/2',
        `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${randomBytes(30).toString('base64')}`, 'a=sendrecv', '',
      ].join('\r\n');
      const sendInvite = (cseq: number, extra: string[]) => {
        const branchVia = via();
        conn.send(`INVITE ${target} SIP/2.0`, [
          branchVia, ...dialogHeaders(`${cseq} INVITE`), `Contact: <sip:${randomToken(4)}@${randomToken(4)}.invalid;transport=tls>`,
          'Content-Type: application/sdp', ...extra,
        ], sdp);
        return branchVia;
      };
      const isFinal = (cseq: number) => (m: SipMessage) => (m.status ?? 0) >= 200 && header(m, 'cseq') === `${cseq} INVITE`;

      const sinceRoom = room.events().length;
      const firstVia = sendInvite(1, []);
      const challenge = await conn.next(isFinal(1));
      expect(challenge.status).toBe(407);
      conn.send(`ACK ${target} SIP/2.0`, [firstVia, ...dialogHeaders('1 ACK', header(challenge, 'to'))]);

      const auth = digestAuthorization({
        challenge: header(challenge, 'proxy-authenticate') ?? '', method: 'INVITE', uri: target, username: 'unit1', password: password('unit1'),
      });
      sendInvite(2, [`Proxy-Authorization: ${auth}`]);
      const ok = await conn.next(isFinal(2), 5000);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatch(/RTP\/SAVP/);
      expect(ok.body).toMatch(/a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/);

      const routeSet = recordRoutes(ok).reverse();
      const remoteTarget = /<([^>]+)>/.exec(header(ok, 'contact') ?? '')?.[1] ?? '';
      conn.send(`ACK ${remoteTarget} SIP/2.0`, [via(), ...routeSet.map((r) => `Route: ${r}`), ...dialogHeaders('2 ACK', header(ok, 'to'))]);
      await room.waitForEvent('CALL_ESTABLISHED', { since: sinceRoom });
      expect(await room.audioStats()).toEqual({ secure: true, encryption: 'srtp-mand' });

      // The room hangs up: its BYE follows the Record-Route back over the unit's TLS connection.
      await room.hangup();
      const bye = await conn.next((m) => m.method === 'BYE', 5000);
      replyRaw(conn, bye, 200, 'OK');
      await room.waitForEvent('CALL_CLOSED', { since: sinceRoom });
      expect(rtpPackets).toBeGreaterThan(0); // the room sent (SRTP) media to the offered port
    } finally {
      conn.close();
      rtp.close();
    }
  });

  it('reports no received video frames when the far end sends no video', async () => {
    const since = caller.events().length;
    await caller.dial(kamailio.aor('novideo'));
    await caller.waitForEvent('CALL_ESTABLISHED', { since });
    await caller.waitForEvent((e) => e.type === 'CALL_RTPESTAB' && e.param === 'audio', { since });
    await sleep(1000);
    const video = await caller.videoStats();
    expect(video === null || video.framesReceived === 0).toBe(true);
    await caller.hangup();
    await caller.waitForEvent('CALL_CLOSED', { since });
  });

  it('answers busy (486) or never (ringing until cancelled) in the busy and no-answer modes', async () => {
    await novideo.setMode('busy');
    let since = caller.events().length;
    await caller.dial(kamailio.aor('novideo'));
    expect((await caller.waitForEvent('CALL_CLOSED', { since })).param).toMatch(/^486/);

    await novideo.setMode('no-answer');
    since = caller.events().length;
    const sinceCallee = novideo.events().length;
    await caller.dial(kamailio.aor('novideo'));
    await caller.waitForEvent('CALL_RINGING', { since });
    await novideo.waitForEvent('CALL_INCOMING', { since: sinceCallee });
    await caller.hangup(); // CANCEL
    expect((await caller.waitForEvent('CALL_CLOSED', { since })).param).toBeDefined();
    await novideo.waitForEvent('CALL_CLOSED', { since: sinceCallee });
    await novideo.setMode('auto');
  });

  it('gets 404 for a user who is not registered, and kamailio answers the special users itself', async () => {
    let since = caller.events().length;
    await caller.dial(kamailio.aor('nobody'));
    expect((await caller.waitForEvent('CALL_CLOSED', { since })).param).toMatch(/^404/);
    since = caller.events().length;
    await caller.dial(kamailio.aor('busy'));
    expect((await caller.waitForEvent('CALL_CLOSED', { since })).param).toBe('486 Busy Here');
  });
});
