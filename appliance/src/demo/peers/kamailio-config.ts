/**
 * Pure generator of a kamailio 5.6 (Debian 12) configuration: a registrar + proxy for
 * tests and the demo room. No I/O here; kamailio.ts writes it out and runs it.
 *
 * What the generated config does:
 * - Listens on 127.0.0.1 only: UDP + TCP on `sipPort` (baresip), TLS on `tlsPort` (the unit).
 * - REGISTER: digest auth (401, `pv_www_authenticate` against the passwords given here, no
 *   database), then `save("location")` into an in-memory table (usrloc db_mode 0).
 *   `fix_nated_register()` stores the source ip:port:transport as the contact's `received`,
 *   so requests to a user go back over the user's own TCP/TLS connection. This is what lets
 *   the unit register a Contact such as `sip:abc@xyz.invalid;transport=tls` and never listen.
 * - Initial INVITE (and other dialog-forming/out-of-dialog requests except OPTIONS):
 *   proxy auth (407, `pv_proxy_authenticate`), the authenticated user must be the From user
 *   (403 otherwise), then `lookup("location")`: 404 when the user is not registered.
 *   Special user names answered by kamailio itself (`replyUsers`, e.g. `busy` -> 486).
 * - The caller's Contact gets `;alias=ip~port~proto` (`set_contact_alias()`), and so does the
 *   callee's Contact in its replies, so in-dialog requests (ACK, BYE, re-INVITE), which follow
 *   Record-Route loose routing, are sent back over the existing connections
 *   (`handle_ruri_alias()` + `set_forward_no_connect()`).
 * - OPTIONS to the proxy itself (no user part) is answered 200 (keepalive).
 * - CANCEL, in-dialog requests and replies are relayed by tm as usual.
 *
 * Quirks (kamailio 5.6):
 * - `pv_www_authenticate(realm, password, flags)`: flags "1" means "the password is an HA1
 *   hash", not "qop" as in `www_challenge(realm, "1")`; plain passwords need flags "0".
 *   Return codes: -2 wrong password, -4 nonce expired, -5 no credentials, -6 nonce reused
 *   (our log lines also use -3 for an unknown user; -5 is the normal first challenge).
 * - usrloc `db_mode 0` needs no database module at all; the table is lost on restart.
 * - `set_contact_alias()` is applied with lumps: `$ct` still shows the old value afterwards.
 * - The `rr` module must double Record-Route (default) because callers use TLS and callees
 *   TCP on different sockets.
 */

export interface KamailioUser {
  username: string;
  password: string;
}

export interface KamailioReply {
  code: number;
  reason: string;
}

export interface KamailioConfigOptions {
  /** SIP domain and digest realm (also added as an alias of the proxy). */
  domain: string;
  /** UDP + TCP port on 127.0.0.1. */
  sipPort: number;
  /** TLS port on 127.0.0.1. */
  tlsPort: number;
  /** When set: SIP over secure WebSocket (RFC 7118) on this 127.0.0.1 port (xhttp + websocket modules). */
  wssPort?: number;
  certificatePath: string;
  privateKeyPath: string;
  users: readonly KamailioUser[];
  /** Users kamailio answers itself, e.g. `{ busy: { code: 486, reason: 'Busy Here' } }`. */
  replyUsers?: Readonly<Record<string, KamailioReply>>;
  /** Kamailio `debug` level: 1 warnings, 2 info (our per-message log lines), 3 debug. */
  debugLevel?: number;
  /** Final response timeout for INVITEs with no answer (tm fr_inv_timer), default 60 s. */
  inviteTimeoutMs?: number;
  /** Module folder; by default kamailio's compiled-in one (multiarch-correct on Debian). */
  modulesDir?: string;
}

export const DEFAULT_REPLY_USERS: Readonly<Record<string, KamailioReply>> = {
  busy: { code: 486, reason: 'Busy Here' },
  declined: { code: 603, reason: 'Decline' },
  unavailable: { code: 480, reason: 'Temporarily Unavailable' },
  'not-acceptable': { code: 488, reason: 'Not Acceptable Here' },
  'server-error': { code: 500, reason: 'Server Internal Error' },
};

const SIP_TOKEN = /^[A-Za-z0-9._~!$&'()*+,;=-]+$/;

interface AuthRouteOptions {
  comment: string;
  name: string;
  /** What the log line calls the request. */
  what: string;
  check: 'pv_www_authenticate' | 'pv_proxy_authenticate';
  challenge: 'www_challenge' | 'proxy_challenge';
  /** The user the credentials must belong to, and how the log line names it. */
  user: '$tU' | '$fU';
  userLabel: string;
}

/** One digest-auth route; REGISTER (401) and other initial requests (407) differ only in these names. */
function authRoute(domain: string, a: AuthRouteOptions): string {
  return `# ${a.comment}
route[${a.name}] {
	route(PASSWORD);
	if ($au == $null) {
		$var(auth) = -5;
	} else if ($var(password) == "") {
		$var(auth) = -3;
	} else {
		${a.check}(${domain}, "$var(password)", "0");
		$var(auth) = $rc;
	}
	if ($var(auth) < 0) {
		xlog("L_INFO", "${a.what} auth failed ($var(auth)) for '$au' (${a.userLabel})\\n");
		${a.challenge}(${domain}, "1");
		exit;
	}
	if ($au != ${a.user}) {
		sl_send_reply("403", "Forbidden auth ID");
		exit;
	}
	consume_credentials();
}`;
}

/** Quotes a value for a kamailio config string literal. */
function quote(value: string): string {
  if (/["\\\r\n]/.test(value)) throw new Error(`value not allowed in kamailio config: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

function checkUser(name: string): string {
  if (!SIP_TOKEN.test(name)) throw new Error(`invalid SIP user name: ${JSON.stringify(name)}`);
  return name;
}

function passwordRoute(users: readonly KamailioUser[]): string {
  const lines = users.map(
    (u, i) =>
      `\t${i === 0 ? 'if' : '} else if'} ($au == ${quote(checkUser(u.username))}) {\n\t\t$var(password) = ${quote(u.password)};`,
  );
  return [
    'route[PASSWORD] {',
    '\t$var(password) = "";',
    ...(lines.length ? [...lines, '\t}'] : []),
    '}',
  ].join('\n');
}

function replyUsersRoute(replyUsers: Readonly<Record<string, KamailioReply>>): string {
  const body = Object.entries(replyUsers).map(([user, r]) => {
    if (!Number.isInteger(r.code) || r.code < 300 || r.code > 699) throw new Error(`bad reply code ${r.code}`);
    return `\tif ($rU == ${quote(checkUser(user))}) {\n\t\tsl_send_reply("${r.code}", ${quote(r.reason)});\n\t\texit;\n\t}`;
  });
  return ['route[REPLYUSERS] {', ...body, '}'].join('\n');
}

/**
 * WSS: the upgrade arrives on the TLS socket of wssPort as an HTTP request (xhttp), which
 * ws_handle_handshake() turns into a WebSocket carrying SIP; the routes below treat it like
 * any other connection-oriented transport (fix_nated_register, contact aliases).
 */
function websocketSection(wssPort: number): string {
  return `modparam("websocket", "keepalive_mechanism", 1)
modparam("websocket", "keepalive_interval", 5)
modparam("websocket", "sub_protocols", 1)

event_route[xhttp:request] {
	set_reply_close();
	set_reply_no_connect();
	if ($Rp != ${wssPort}) {
		xhttp_reply("403", "Forbidden", "", "");
		exit;
	}
	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {
		xlog("L_INFO", "WebSocket upgrade from $si:$sp\\n");
		if (ws_handle_handshake()) {
			exit;
		}
	}
	xhttp_reply("404", "Not Found", "", "");
}
`;
}

export function kamailioConfig(o: KamailioConfigOptions): string {
  const domain = quote(o.domain);
  const modulesDir = o.modulesDir;
  return `#!KAMAILIO
# Generated by appliance/test/peers/kamailio-config.ts: test/demo registrar + proxy.

debug=${o.debugLevel ?? 2}
log_stderror=yes
log_prefix="{$mt $hdr(CSeq) $ci} "
memdbg=5
memlog=5
children=2
tcp_children=2
auto_aliases=no
dns=no
rev_dns=no
dns_try_ipv6=no
use_dns_cache=off
server_signature=no
user_agent_header="User-Agent: test-kamailio"
server_header="Server: test-kamailio"

listen=udp:127.0.0.1:${o.sipPort}
listen=tcp:127.0.0.1:${o.sipPort}
listen=tls:127.0.0.1:${o.tlsPort}
${o.wssPort ? `listen=tls:127.0.0.1:${o.wssPort}\n# The WebSocket handshake is an HTTP request without a body or Content-Length.\ntcp_accept_no_cl=yes` : ''}
alias=${domain}

enable_tls=yes
tcp_connection_lifetime=3605
# The unit and baresip keep their connections open; never open one towards a client
# that registered over TCP/TLS (see set_forward_no_connect below).
tcp_connect_timeout=3

${modulesDir ? `loadpath ${quote(modulesDir)}` : '# modules from the compiled-in path (Debian: /usr/lib/<multiarch>/kamailio/modules)'}

# tls first: it must initialise OpenSSL before any other module touches it.
loadmodule "tls.so"
loadmodule "tm.so"
loadmodule "kex.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "auth.so"
loadmodule "nathelper.so"
${o.wssPort ? 'loadmodule "xhttp.so"\nloadmodule "websocket.so"' : ''}

modparam("tls", "certificate", ${quote(o.certificatePath)})
modparam("tls", "private_key", ${quote(o.privateKeyPath)})
modparam("tls", "verify_certificate", 0)
modparam("tls", "require_certificate", 0)
modparam("tls", "tls_method", "TLSv1.2+")

modparam("tm", "fr_timer", 5000)
modparam("tm", "fr_inv_timer", ${o.inviteTimeoutMs ?? 60000})

modparam("rr", "enable_full_lr", 1)
modparam("rr", "append_fromtag", 0)

modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 10)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "received_avp", "$avp(RECEIVED)")
modparam("nathelper", "received_avp", "$avp(RECEIVED)")

modparam("auth", "nonce_expire", 300)
${o.wssPort ? websocketSection(o.wssPort) : ''}

request_route {
	xlog("L_INFO", "REQ $rm $ru from $si:$sp/$proto\\n");

	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (!sanity_check()) {
		xlog("L_WARN", "malformed request from $si:$sp\\n");
		exit;
	}
	force_rport();

	if (is_method("CANCEL")) {
		if (t_check_trans()) {
			route(RELAY);
		}
		exit;
	}
	if (!is_method("ACK")) {
		if (t_precheck_trans()) {
			t_check_trans();
			exit;
		}
		t_check_trans();
	}

	route(WITHINDLG);

	# Initial requests from here on.
	remove_hf("Route");
	if (is_method("INVITE|SUBSCRIBE|REFER")) {
		record_route();
	}

	if (is_method("REGISTER")) {
		route(REGISTRAR);
	}

	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "Keepalive");
		exit;
	}

	if ($rU == $null) {
		sl_send_reply("484", "Address Incomplete");
		exit;
	}

	if (!is_method("ACK|PRACK|OPTIONS")) {
		route(PROXYAUTH);
	}

	if (is_first_hop() && is_present_hf("Contact")) {
		set_contact_alias();
	}

	route(REPLYUSERS);
	route(LOCATION);
}

route[RELAY] {
	if (is_method("INVITE|BYE|SUBSCRIBE|UPDATE|REFER")) {
		t_on_reply("MANAGE_REPLY");
	}
	if (!t_relay()) {
		sl_reply_error();
	}
	exit;
}

route[WITHINDLG] {
	if (!has_totag()) return;

	if (loose_route()) {
		if (!isdsturiset()) {
			handle_ruri_alias();
		}
		# Both ends are clients on TCP/TLS connections they opened; never dial them.
		set_forward_no_connect();
		route(RELAY);
		exit;
	}
	if (is_method("ACK")) {
		if (t_check_trans()) {
			route(RELAY);
		}
		exit;
	}
	sl_send_reply("404", "Not Here");
	exit;
}

route[REGISTRAR] {
	route(WWWAUTH);
	fix_nated_register();
	if (!save("location")) {
		sl_reply_error();
	}
	exit;
}

${authRoute(domain, { comment: 'Digest auth for REGISTER: 401 with WWW-Authenticate.', name: 'WWWAUTH', what: 'REGISTER', check: 'pv_www_authenticate', challenge: 'www_challenge', user: '$tU', userLabel: 'To $tU' })}

${authRoute(domain, { comment: 'Digest auth for initial requests: 407 with Proxy-Authenticate.', name: 'PROXYAUTH', what: '$rm', check: 'pv_proxy_authenticate', challenge: 'proxy_challenge', user: '$fU', userLabel: 'From $fU' })}

${passwordRoute(o.users)}

${replyUsersRoute(o.replyUsers ?? DEFAULT_REPLY_USERS)}

route[LOCATION] {
	if (!lookup("location")) {
		xlog("L_INFO", "$ru is not registered\\n");
		switch ($rc) {
			case -1:
			case -3:
				sl_send_reply("404", "Not Found");
				exit;
			case -2:
				sl_send_reply("405", "Method Not Allowed");
				exit;
		}
		sl_send_reply("404", "Not Found");
		exit;
	}
	xlog("L_INFO", "$rm to $ru via $du\\n");
	route(RELAY);
}

onreply_route[MANAGE_REPLY] {
	xlog("L_INFO", "REPLY $rs $rr to $rm from $si:$sp/$proto\\n");
	if (status =~ "[12][0-9][0-9]" && is_first_hop() && is_present_hf("Contact")) {
		set_contact_alias();
	}
}
`;
}
