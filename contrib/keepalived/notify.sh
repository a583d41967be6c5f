#!/bin/sh
#
# notify.sh: hands keepalived's state changes to the lvs-chatops bot.
#
# 1. VRRP, keepalived's generic `notify` (keepalived appends TYPE NAME STATE PRIORITY):
#
#      vrrp_instance VI_1 {
#          notify "/usr/local/lib/lvs-chatops/notify.sh"            # or: ".../notify.sh -C lab"
#      }
#    runs  notify.sh [-C CLUSTER] INSTANCE|GROUP NAME MASTER|BACKUP|FAULT|STOP|DELETED PRIORITY
#
# 2. A real server's health check (keepalived passes only the configured arguments):
#
#      real_server 10.0.0.21 80 {
#          notify_up   "/usr/local/lib/lvs-chatops/notify.sh rs web-1 up 10.0.0.100:80 10.0.0.21:80"
#          notify_down "/usr/local/lib/lvs-chatops/notify.sh rs web-1 down 10.0.0.100:80 10.0.0.21:80"
#      }
#    runs  notify.sh [-C CLUSTER] rs NAME up|down [VIP[:PORT] [RIP[:PORT]]]
#
# It POSTs one JSON document to $LVS_CHATOPS_URL/hooks/keepalived with "Authorization: Bearer
# $LVS_CHATOPS_TOKEN" (curl, or GNU wget). Every event is first written to a spool directory,
# then the spool is sent oldest first, so an event raised while the bot is down is delivered on
# a later run (or by `notify.sh --flush` from cron). Each event carries a unique id: the bot
# drops a resend.
#
# Configuration: the environment first, then $LVS_CHATOPS_CONF (default
# /etc/lvs-chatops/alert.conf, KEY=VALUE lines, shared with mon's slack.alert):
#   LVS_CHATOPS_URL, LVS_CHATOPS_TOKEN (required), LVS_CHATOPS_CLUSTER, LVS_CHATOPS_TIMEOUT
#   (seconds to wait for the bot's answer, default 3), LVS_CHATOPS_KEEPALIVED_SPOOL
#   (a directory, default /var/spool/lvs-chatops/keepalived), LVS_CHATOPS_HTTP_CLIENT (curl or
#   wget; default: curl when installed), LVS_CHATOPS_CA_FILE (for https: the CA that signed the
#   bot's certificate; default the system's CAs; curl and wget always verify it).
# Errors go to stderr and to syslog (tag lvs-chatops-notify): keepalived discards the output.
# The spool directory must belong to that user and be writable by nobody else; else it is not
# used and the event is sent directly, once.
# Exit status: 0 delivered or spooled; 2 usage or configuration error; 1 neither delivered nor
# spooled (or --flush could not use the spool).
# keepalived SIGKILLs a STOP notification's process group after 1 s: the script first moves to
# a session of its own (setsid), so the event is still spooled and sent.
# Needs: sh, curl or GNU wget, flock and setsid (util-linux), date, od.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 077

# First thing, before anything slow: keepalived runs the STOP notifications as it shuts down,
# gives them 1 s, then SIGKILLs each one's process group; and it has the kernel send all its
# scripts SIGTERM when it exits (PR_SET_PDEATHSIG). So ignore TERM and HUP (our own timeouts
# bound the run) and go on in a session of our own: the kill reaches only the `setsid -w`
# waiting for us, which passes our exit status on. Not from a terminal, where Ctrl-C must stop
# the run. LVS_CHATOPS_NOTIFY_SESSION marks the run that already moved.
trap '' HUP TERM
if [ -z "${LVS_CHATOPS_NOTIFY_SESSION:-}" ] && [ ! -t 0 ] && [ -x "$0" ] && command -v setsid >/dev/null 2>&1; then
	LVS_CHATOPS_NOTIFY_SESSION=1
	export LVS_CHATOPS_NOTIFY_SESSION
	exec setsid -w "$0" "$@"
fi

ME=notify.sh
VERSION=1.0.0
NL='
'
TAB=$(printf '\t')

usage() {
	cat <<EOF
usage: $ME [-C CLUSTER] INSTANCE|GROUP NAME MASTER|BACKUP|FAULT|STOP|DELETED PRIORITY
       $ME [-C CLUSTER] rs NAME up|down [VIP[:PORT] [RIP[:PORT]]]
       $ME --flush | --help | --version

Sends a keepalived notification to the lvs-chatops bot (POST \$LVS_CHATOPS_URL/hooks/keepalived).
The first form is keepalived's generic 'notify' (keepalived appends the four arguments);
the second is for a real server's notify_up / notify_down lines.

Configuration (environment first, then \$LVS_CHATOPS_CONF, default /etc/lvs-chatops/alert.conf):
  LVS_CHATOPS_URL                the bot's base URL, e.g. http://10.0.0.5:3000 (required)
  LVS_CHATOPS_TOKEN              the ingest token (required; never printed)
  LVS_CHATOPS_CLUSTER            the cluster name, when -C is not given
  LVS_CHATOPS_TIMEOUT            seconds to wait for the bot's answer (default 3); while the
                                 bot answers, a run sends the backlog for up to 60 s
  LVS_CHATOPS_KEEPALIVED_SPOOL   spool directory (default /var/spool/lvs-chatops/keepalived);
                                 it must belong to the user running $ME and be writable by
                                 nobody else, else it is not used
  LVS_CHATOPS_HTTP_CLIENT        curl or wget (default: curl when installed)
  LVS_CHATOPS_CA_FILE            for https: the PEM file of the CA that signed the bot's
                                 certificate (default: the system's CAs)

Exit status: 0 delivered or spooled; 2 usage or configuration error; 1 neither.
EOF
}

say() {
	printf '%s: %s\n' "$ME" "$1" >&2
	logger -t lvs-chatops-notify -p daemon.warning -- "$1" 2>/dev/null || :
}

usage_error() {
	say "$1"
	printf "Try '%s --help'.\n" "$ME" >&2
	exit 2
}

# A JSON string literal; control characters other than tab and newline are dropped.
json_str() {
	printf '%s' "$1" | tr -d '\000-\010\013-\037' |
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$TAB/\\\\t/g" |
		awk 'BEGIN { printf "\"" } NR > 1 { printf "\\n" } { printf "%s", $0 } END { printf "\"" }'
}

now_ms() {
	t=$(date +%s%N 2>/dev/null)
	case $t in
	*N* | '') echo $(($(date +%s) * 1000)) ;;
	*) echo $((t / 1000000)) ;;
	esac
}

iso_now() {
	t=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ 2>/dev/null)
	case $t in
	*N* | '') date -u +%Y-%m-%dT%H:%M:%S.000Z ;;
	*) echo "$t" ;;
	esac
}

new_id() {
	if [ -r /proc/sys/kernel/random/uuid ]; then
		cat /proc/sys/kernel/random/uuid
		return
	fi
	h=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	v=$(printf '%x' $(((0x$(echo "$h" | cut -c17-18) & 0x3f) | 0x80)))
	echo "$(echo "$h" | cut -c1-8)-$(echo "$h" | cut -c9-12)-4$(echo "$h" | cut -c14-16)-$v$(echo "$h" | cut -c19-20)-$(echo "$h" | cut -c21-32)"
}

# ---- configuration: environment first, then the file (read, never sourced) -----------------

conf_get() {
	# $1: key; prints the file's value, without surrounding quotes.
	[ -r "$CONF_PATH" ] || return 0
	sed -n -e "s/^[ $TAB]*\(export[ $TAB]\{1,\}\)\{0,1\}$1[ $TAB]*=[ $TAB]*//p" "$CONF_PATH" | tail -n 1 |
		sed -e "s/[ $TAB]*\$//" -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}

load_config() {
	if [ -n "${LVS_CHATOPS_CONF:-}" ]; then
		CONF_PATH=$LVS_CHATOPS_CONF
		[ -e "$CONF_PATH" ] || say "config file $CONF_PATH does not exist"
	else
		CONF_PATH=/etc/lvs-chatops/alert.conf
	fi
	if [ -e "$CONF_PATH" ] && [ ! -r "$CONF_PATH" ]; then
		say "cannot read config file $CONF_PATH (the user keepalived runs scripts as needs read access)"
	fi
	if [ -r "$CONF_PATH" ] && [ -n "$(conf_get LVS_CHATOPS_TOKEN)" ]; then
		case $(stat -L -c %a "$CONF_PATH" 2>/dev/null) in
		*[4567]) say "$CONF_PATH holds the token and is readable by everyone: chmod o-r $CONF_PATH" ;;
		esac
	fi
	URL=${LVS_CHATOPS_URL:-$(conf_get LVS_CHATOPS_URL)}
	TOKEN=${LVS_CHATOPS_TOKEN:-$(conf_get LVS_CHATOPS_TOKEN)}
	CONF_CLUSTER=${LVS_CHATOPS_CLUSTER:-$(conf_get LVS_CHATOPS_CLUSTER)}
	TIMEOUT=${LVS_CHATOPS_TIMEOUT:-$(conf_get LVS_CHATOPS_TIMEOUT)}
	TIMEOUT=${TIMEOUT:-3}
	SPOOL=${LVS_CHATOPS_KEEPALIVED_SPOOL:-$(conf_get LVS_CHATOPS_KEEPALIVED_SPOOL)}
	SPOOL=${SPOOL:-/var/spool/lvs-chatops/keepalived}
	HTTP_CLIENT=${LVS_CHATOPS_HTTP_CLIENT:-$(conf_get LVS_CHATOPS_HTTP_CLIENT)}
	CA_FILE=${LVS_CHATOPS_CA_FILE:-$(conf_get LVS_CHATOPS_CA_FILE)}
	case $HTTP_CLIENT in '' | curl | wget) ;; *) usage_error "LVS_CHATOPS_HTTP_CLIENT is curl or wget, got '$HTTP_CLIENT'" ;; esac

	case $TIMEOUT in
	'' | *[!0-9.]* | *.*.* | .*) usage_error "LVS_CHATOPS_TIMEOUT must be a number of seconds, got '$TIMEOUT'" ;;
	esac
	# Milliseconds, for arithmetic in sh.
	int=${TIMEOUT%%.*}
	frac=
	case $TIMEOUT in *.*) frac=${TIMEOUT#*.} ;; esac
	frac=$(printf '%s000' "$frac" | cut -c1-3)
	TIMEOUT_MS=$((int * 1000 + $(echo "$frac" | sed 's/^0*//;s/^$/0/')))
	if [ "$TIMEOUT_MS" -lt 100 ] || [ "$TIMEOUT_MS" -gt 60000 ]; then
		usage_error "LVS_CHATOPS_TIMEOUT must be between 0.1 and 60 seconds, got '$TIMEOUT'"
	fi
	if [ -n "$URL" ]; then
		case $URL in
		http://?* | https://?*) ;;
		*) usage_error "LVS_CHATOPS_URL must be http://HOST[:PORT][/PATH] or https://..., got '$(redact_url "$URL")'" ;;
		esac
		URL=$(printf '%s' "$URL" | sed 's#/*$##')
	fi
}

# Bounds a command even when it ignores its own timeout; timeout(1) is coreutils.
bounded() {
	limit=$1
	shift
	if command -v timeout >/dev/null 2>&1; then timeout -k 1 "$limit" "$@"; else "$@"; fi
}

redact_url() { printf '%s' "$1" | sed 's#^\([a-z]*://\)[^/@]*@#\1***@#'; }

# ---- the event -------------------------------------------------------------------------------

host_port_json() {
	# $1: flag name for errors, $2: ADDRESS[:PORT] or [V6]:PORT
	hp=$2
	case $hp in
	\[*\]:*) addr=${hp#\[}; addr=${addr%%\]*}; port=${hp##*\]:} ;;
	\[*\]) addr=${hp#\[}; addr=${addr%\]}; port= ;;
	*:*:*) addr=$hp; port= ;; # a bare IPv6 address
	*:*) addr=${hp%:*}; port=${hp##*:} ;;
	*) addr=$hp; port= ;;
	esac
	case $addr in '' | *[!A-Za-z0-9.:_-]*) usage_error "$1 takes ADDRESS[:PORT], got '$hp'" ;; esac
	if [ -n "$port" ]; then
		case $port in *[!0-9]* | '') usage_error "$1 takes ADDRESS[:PORT], got '$hp'" ;; esac
		if [ ${#port} -gt 5 ] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
			usage_error "$1: port must be 1-65535, got '$hp'"
		fi
		printf '{"address":%s,"port":%d}' "$(json_str "$addr")" "$port"
	else
		printf '{"address":%s}' "$(json_str "$addr")"
	fi
}

build_event() {
	# Sets EVENT_JSON from the positional arguments (after options).
	[ $# -ge 1 ] || usage_error 'missing arguments: keepalived passes TYPE NAME STATE PRIORITY'
	case $1 in
	rs | RS | real-server)
		[ $# -ge 3 ] && [ $# -le 5 ] || usage_error "rs takes NAME up|down [VIP[:PORT] [RIP[:PORT]]], got $# argument(s) after rs... ($*)"
		[ -n "$2" ] || usage_error 'rs NAME must not be empty'
		state=$(printf '%s' "$3" | tr 'A-Z' 'a-z')
		case $state in up | down) ;; *) usage_error "rs STATE is up or down, got '$3'" ;; esac
		extra=
		if [ $# -ge 4 ]; then extra=",\"virtual\":$(host_port_json 'rs VIP' "$4")" || exit 2; fi
		if [ $# -ge 5 ]; then extra="$extra,\"real\":$(host_port_json 'rs RIP' "$5")" || exit 2; fi
		EVENT_JSON="{\"type\":\"real-server\",\"name\":$(json_str "$2"),\"state\":\"$state\"$extra}"
		;;
	*)
		[ $# -eq 4 ] || usage_error "keepalived's notify passes TYPE NAME STATE PRIORITY, got $# argument(s): $*"
		case $1 in
		INSTANCE) scope=instance ;;
		GROUP) scope=group ;;
		*) usage_error "TYPE is INSTANCE or GROUP (or rs for a real server), got '$1'" ;;
		esac
		[ -n "$2" ] || usage_error 'NAME must not be empty'
		case $3 in
		MASTER | BACKUP | FAULT | STOP | DELETED) state=$(printf '%s' "$3" | tr 'A-Z' 'a-z') ;;
		*) usage_error "STATE is MASTER, BACKUP, FAULT, STOP or DELETED, got '$3'" ;;
		esac
		case $4 in '' | *[!0-9]*) usage_error "PRIORITY is a number 0-255, got '$4'" ;; esac
		if [ ${#4} -gt 3 ] || [ "$4" -gt 255 ]; then usage_error "PRIORITY is a number 0-255, got '$4'"; fi
		EVENT_JSON="{\"type\":\"vrrp\",\"scope\":\"$scope\",\"name\":$(json_str "$2"),\"state\":\"$state\",\"priority\":$(($4 + 0))}"
		;;
	esac
}

# ---- delivery ----------------------------------------------------------------------------------

# POSTs file $1; sets STATUS (000 when the bot did not answer) and ANSWER (file with the body).
post() {
	left=$((DEADLINE_MS - $(now_ms)))
	if [ "$left" -lt 50 ]; then
		STATUS=000 REASON="this run sent for ${MAX_RUN_S}s, the most one run may"
		return
	fi
	[ "$left" -le "$TIMEOUT_MS" ] || left=$TIMEOUT_MS
	secs=$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))
	hard=$((left / 1000 + 2))
	ANSWER=$WORK/answer
	: >"$ANSWER"
	REASON=
	client=${HTTP_CLIENT:-}
	if [ -z "$client" ]; then
		if command -v curl >/dev/null 2>&1; then client=curl; elif command -v wget >/dev/null 2>&1; then client=wget; fi
	fi
	if [ "$client" = curl ]; then
		# The token goes through curl's config on stdin, never on the command line (ps shows argv).
		STATUS=$(printf 'header = "Authorization: Bearer %s"\n' "$(printf '%s' "$TOKEN" | sed 's/[\\"]/\\&/g')" |
			bounded "$hard" curl -sS -K - -o "$ANSWER" -w '%{http_code}' --max-time "$secs" \
				${CA_FILE:+--cacert "$CA_FILE"} \
				-X POST -H 'Content-Type: application/json' -H "Idempotency-Key: $2" \
				-A "notify.sh/$VERSION" --data-binary "@$1" "$URL/hooks/keepalived" 2>"$WORK/err")
		case $STATUS in [0-9][0-9][0-9]) ;; *) STATUS=000 ;; esac
	elif [ "$client" = wget ]; then
		printf 'header = Authorization: Bearer %s\nheader = Idempotency-Key: %s\n' "$TOKEN" "$2" >"$WORK/wgetrc"
		WGETRC=$WORK/wgetrc bounded "$hard" wget -q -S -O "$ANSWER" --tries=1 --timeout="$secs" \
			--content-on-error --header='Content-Type: application/json' -U "notify.sh/$VERSION" \
			${CA_FILE:+--ca-certificate="$CA_FILE"} \
			--post-file="$1" "$URL/hooks/keepalived" 2>"$WORK/err"
		STATUS=$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$WORK/err" | tail -n 1)
		STATUS=${STATUS:-000}
	else
		STATUS=000 REASON='neither curl nor wget is installed'
		return
	fi
	if [ "$STATUS" = 000 ] && [ -z "$REASON" ]; then
		REASON=$(grep -v '^ ' "$WORK/err" 2>/dev/null | head -n 1)
		REASON=${REASON:-no answer within ${secs}s}
	fi
}

is_rejection() {
	case $1 in 400 | 409 | 410 | 413 | 415 | 422) return 0 ;; esac
	return 1
}

explain() {
	case $STATUS in
	401) echo "the bot does not know the token (HTTP 401): check LVS_CHATOPS_TOKEN against the bot's INGEST_TOKEN or the cluster's ingest.tokens" ;;
	403) echo "the token may not speak for this host or cluster (HTTP 403): check the token's cluster and hosts in the inventory's ingest.tokens; real-server state is taken only from directors" ;;
	404) echo "no /hooks/keepalived at $(redact_url "$URL") (HTTP 404): check LVS_CHATOPS_URL" ;;
	429 | 5??) echo "the bot is busy (HTTP $STATUS)" ;;
	000) echo "the bot at $(redact_url "$URL") did not answer ($REASON)" ;;
	*) echo "the bot answered HTTP $STATUS" ;;
	esac
}

# ---- the spool ---------------------------------------------------------------------------------
# The directory must belong to the user running the script and be writable by nobody else:
# else another user could plant events (sent with our token) or symlinks. Files are written
# only through mktemp (O_EXCL) and rename inside it, and the drain lock is the directory
# itself, so nothing is ever opened through a name someone else could have planted.

# Succeeds when directory $1 is safe to spool in; else says why (SPOOL_REFUSED).
check_dir() {
	set -- "$1" $(stat -L -c '%u %a %U' "$1" 2>/dev/null)
	if [ $# -lt 4 ]; then
		SPOOL_REFUSED="cannot read the spool directory $1"
		return 1
	fi
	me=$(id -u)
	if [ "$2" != "$me" ]; then
		SPOOL_REFUSED="refusing spool directory $1: it belongs to $4, not to $(id -un) who runs $ME (chown $(id -un) $1, or set LVS_CHATOPS_KEEPALIVED_SPOOL)"
		return 1
	fi
	# %a is octal without leading zeros: the last two digits are group and others.
	case $3 in
	*[2367]? | *[2367])
		SPOOL_REFUSED="refusing spool directory $1: group or others may write it (mode $3): chmod go-w $1"
		return 1
		;;
	esac
	return 0
}

# Writes file $1 into directory $2 as $3, through a fresh temporary name (mktemp, O_EXCL).
spool_put() {
	tmp=$(mktemp "$2/.tmp-XXXXXX" 2>/dev/null) || return 1
	if cat "$1" >"$tmp" && mv -f "$tmp" "$2/$3"; then return 0; fi
	rm -f "$tmp"
	return 1
}

# Entries are files named by their creation time in ns, so the names sort oldest first.
entries() {
	(cd "$SPOOL" 2>/dev/null && LC_ALL=C ls -1 2>/dev/null | grep '^[0-9]\{19\}-.*\.json$')
}

# Sends the spool oldest first under the drain lock; returns 1 on the first failure.
drain_once() {
	for name in $(entries); do
		f=$SPOOL/$name
		[ -f "$f" ] || continue
		id=${name#*-}
		id=${id%.json}
		post "$f" "$id"
		case $STATUS in
		2??) rm -f "$f" ;;
		*)
			if is_rejection "$STATUS"; then
				mkdir -p "$SPOOL/rejected" 2>/dev/null
				if ! check_dir "$SPOOL/rejected"; then
					say "$SPOOL_REFUSED"
					return 1
				fi
				mv "$f" "$SPOOL/rejected/$name"
				spool_put "$ANSWER" "$SPOOL/rejected" "$name.answer"
				say "the bot refused event $id (HTTP $STATUS); moved to $SPOOL/rejected/$name"
			else
				return 1
			fi
			;;
		esac
	done
	return 0
}

drain() {
	# --flush with no spool yet: nothing waits.
	[ -d "$SPOOL" ] || return 0
	if ! command -v flock >/dev/null 2>&1; then
		say 'flock (util-linux) is missing: sending without the drain lock'
		drain_once
		return
	fi
	while :; do
		exec 9<"$SPOOL"
		# Somebody else is draining: they send what we wrote.
		flock -n 9 || { exec 9>&-; return 0; }
		drain_once
		rc=$?
		exec 9>&-
		[ $rc -eq 0 ] || return 1
		# An event written after our last look found the lock taken: take it back.
		[ -n "$(entries)" ] || return 0
	done
}

# ---- main -------------------------------------------------------------------------------------

FLUSH=
CLUSTER_OPT=
ARGV_JSON=
for a in "$@"; do
	ARGV_JSON="$ARGV_JSON${ARGV_JSON:+,}$(json_str "$a")"
done

while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--version) echo "$ME $VERSION"; exit 0 ;;
	--flush) FLUSH=1; shift ;;
	-C)
		[ $# -ge 2 ] || usage_error '-C takes a cluster name'
		CLUSTER_OPT=$2
		shift 2
		;;
	--) shift; break ;;
	-*) usage_error "unknown option '$1'" ;;
	*) break ;;
	esac
done

STARTED_MS=$(now_ms)
load_config
# Each request may wait LVS_CHATOPS_TIMEOUT; while the bot answers, the backlog keeps going
# out, up to MAX_RUN_S seconds (the next run goes on from there).
MAX_RUN_S=60
DEADLINE_MS=$((STARTED_MS + MAX_RUN_S * 1000))
CLUSTER=${CLUSTER_OPT:-$CONF_CLUSTER}
if [ -n "$CLUSTER" ]; then
	case $CLUSTER in
	[A-Za-z0-9]*) ;;
	*) usage_error "cluster name '$CLUSTER' may hold only letters, digits, '.', '_' and '-'" ;;
	esac
	case $CLUSTER in *[!A-Za-z0-9._-]*) usage_error "cluster name '$CLUSTER' may hold only letters, digits, '.', '_' and '-'" ;; esac
	[ ${#CLUSTER} -le 63 ] || usage_error "cluster name '$CLUSTER' is longer than 63"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lvs-chatops-notify.XXXXXX") || { say 'cannot create a temporary directory'; exit 1; }
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT

NAME=
if [ -z "$FLUSH" ]; then
	[ $# -gt 0 ] || usage_error 'missing arguments: keepalived passes TYPE NAME STATE PRIORITY'
	build_event "$@"
	ID=$(new_id)
	cluster_json=
	[ -n "$CLUSTER" ] && cluster_json=",\"cluster\":$(json_str "$CLUSTER")"
	printf '{"kind":"keepalived-notify","version":1,"id":"%s","time":"%s","hostname":%s,"agent":"notify.sh/%s"%s,"argv":[%s],"event":%s}\n' \
		"$ID" "$(iso_now)" "$(json_str "$(uname -n)")" "$VERSION" "$cluster_json" "$ARGV_JSON" "$EVENT_JSON" >"$WORK/body.json"
	NS=$(date +%s%N 2>/dev/null)
	case $NS in *N* | '') NS=$(date +%s)$(printf '%09d' $$) ;; esac
	NAME=$(printf '%019d' "$NS")-$ID.json
fi

SPOOLED=
if [ -n "$NAME" ]; then
	if ! mkdir -p "$SPOOL" 2>/dev/null; then
		say "cannot write the spool directory $SPOOL (create it, owned by the user keepalived runs scripts as)"
	elif ! check_dir "$SPOOL"; then
		# Not used at all, not even drained: the event is sent directly, once.
		say "cannot spool the event: $SPOOL_REFUSED"
	elif spool_put "$WORK/body.json" "$SPOOL" "$NAME"; then
		SPOOLED=1
	else
		say "cannot write the spool directory $SPOOL (it must be writable by the user keepalived runs scripts as)"
	fi
elif [ -d "$SPOOL" ] && ! check_dir "$SPOOL"; then
	say "cannot send the spool: $SPOOL_REFUSED"
	exit 1
fi

if [ -z "$URL" ] || [ -z "$TOKEN" ]; then
	missing=
	[ -n "$URL" ] || missing=LVS_CHATOPS_URL
	[ -n "$TOKEN" ] || missing="${missing:+$missing and }LVS_CHATOPS_TOKEN"
	fate=
	if [ -n "$NAME" ]; then
		if [ -n "$SPOOLED" ]; then fate="; the event waits in $SPOOL"; else fate='; the event is LOST'; fi
	fi
	say "$missing not set (environment or $CONF_PATH)$fate"
	exit 2
fi

if [ -n "$NAME" ] && [ -z "$SPOOLED" ]; then
	# No spool: one direct attempt is all we can do.
	post "$WORK/body.json" "$ID"
	case $STATUS in 2??) exit 0 ;; esac
	say "$(explain); the event is LOST"
	exit 1
fi

if ! drain; then
	say "$(explain); $(entries | wc -l | tr -d ' ') event(s) wait in $SPOOL"
fi
exit 0
