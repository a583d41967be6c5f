#!/bin/bash
# Capture the parser fixtures of src/core/{ipvs,heartbeat,mon} from the real tools.
# Fixtures are never typed by hand: this script is how every file under
# test/fixtures/{ipvsadm,heartbeat,mon} was made, and how to refresh them.
#
#   capture-fixtures.sh ipvsadm   --ssh "ssh -i KEY -o ..." --host root@DIRECTOR [options]
#   capture-fixtures.sh cl-status --exec "CMD PREFIX" --label NAME [--node N]... [--link NODE:IF]...
#   capture-fixtures.sh ha-log    --from FILE --label NAME
#   capture-fixtures.sh seed      --from lvs-clustering-howto.ko.txt
#   capture-fixtures.sh mon       [--port N]
#
# Every mode writes under --out (default: test/fixtures/<tool> of this repo) and appends
# one line per run to SOURCES.txt there: date, mode, what produced the files, and --note
# (how the cluster was brought into the state the files show).
#
# ipvsadm mode
#   Needs a director where the table may be replaced for a minute (a LAB director: it
#   saves the table with `ipvsadm -S -n`, clears it, loads known tables, captures
#   `-L -n`, `--stats`, `--rate`, each with and without `--exact`, and `-S -n`, runs each
#   error case and records its stderr and exit code, then restores the saved table).
#   --ssh CMD        ssh command and options (env CAPTURE_SSH), e.g. "ssh -i key -o BatchMode=yes"
#   --host H         ssh destination (env CAPTURE_HOST), e.g. root@10.220.0.1
#   --nat-vip A      VIP of the NAT service that gets traffic (default 192.0.2.1: no traffic)
#   --rips "A B"     its real servers (default 198.51.100.1 198.51.100.2)
#   --traffic CMD    run locally (in the background) after the mixed table is loaded, to
#                    put traffic through --nat-vip; `--rate` is captured while it runs,
#                    `--stats` after it ends. Without it counters stay zero.
#   --no-ipvs-local  also capture `ipvsadm -L -n` on THIS machine, whose kernel has no
#                    IPVS, as the "Can't initialize ipvs" case (refused if it has IPVS)
#   --yes            required: confirms the director's table may be replaced meanwhile
#
# cl-status mode
#   Runs cl_status through --exec (e.g. "nsenter -t PID -m -u -n --" into a heartbeat
#   node's namespaces, or "ssh root@node") and stores stdout, stderr and exit code of
#   hbstatus, hbstatus -v, rscstatus, listnodes, nodestatus N, listhblinks N,
#   hblinkstatus N IF, hbparameter -p P as heartbeat/cl_status/LABEL/<case>.{out,err,exit}.
#
# ha-log mode: copies a real ha-log as heartbeat/ha-log-LABEL.txt.
# seed mode: extracts the section-10 ha-log excerpts of the Korean HOWTO verbatim
#   (only the log lines; the document double-spaces them) into heartbeat/seed-*.txt.
# mon mode: starts /usr/sbin/mon on 127.0.0.1 with a temporary mon.cf on a free port
#   (monitors that pass, fail, and flip; an alert script that records argv, MON_* env
#   and stdin), drives it with moncmd, and stores the replies and the recorded alert
#   invocations under mon/. Stops its mon and removes its temp dir at the end. It also
#   starts one mon per config case (mon/config-cases/*.cf: blank lines, comments,
#   continuations, refused files) and stores what mon then lists, or its error and exit.
#
# How the committed fixtures were made (2026-11-25; SOURCES.txt has each run):
#   the single-director reference lab with heartbeat (needs kmod for modprobe):
#     E="LAB_PREFIX=fxl LAB_STATE=/run/fxlab LAB_FRONT_NET=10.220.0 LAB_BACK_NET=10.220.1"
#     env $E LAB_HB=1 lab-up.sh; . /run/fxlab/lab.env   # the reference lab's start script (not in this repository)
#   ipvsadm (1.2 GB through the NAT VIP from the client netns, from a sparse file):
#     for i in 1 2; do truncate -s 150M /run/fxlab/rs$i/www/big.bin; done
#     capture-fixtures.sh ipvsadm --ssh "ssh $LAB_SSH_OPTS $LAB_SSH_MUX_OPTS" \
#       --host root@10.220.0.1 --nat-vip 10.220.0.100 --rips "10.220.1.11 10.220.1.12" \
#       --traffic 'for i in 1 2 3 4 5 6 7 8; do ip netns exec fxl-client curl -s -o /dev/null http://10.220.0.100/big.bin; done' \
#       --no-ipvs-local --yes
#   cl_status on hb1 (P=its heartbeat pid): --exec "nsenter -t $P -m -u -n --" --node hb1
#     --node hb2 --link hb1:eth0 --link hb2:eth0, label both-up; again after
#     `lab/hb/hb-node.sh crash 2` (label peer-dead); --exec env on the host (label stopped).
#   ha-log of hb1/hb2 after: hb-node.sh stop 1; `syslogmsgfmt false` added to hb1's ha.cf;
#     revive+start 2, start 1; hb_standby then hb_takeover on hb1; SIGSTOP of hb2's
#     processes for 1.6 s and 3 s (late heartbeats, a split brain, a restart); crash 2;
#     SIGTERM to hb1's master. The two-director log is the reference lab's run 3.
#   mon and seed modes as above, on the host.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
MODE=${1:-}
[ -n "$MODE" ] && shift
die() { echo "capture-fixtures: $*" >&2; exit 1; }
note() { echo "capture-fixtures: $*" >&2; }

OUT="" SSH_CMD=${CAPTURE_SSH:-} HOST=${CAPTURE_HOST:-} NAT_VIP=192.0.2.1 RIPS="198.51.100.1 198.51.100.2"
TRAFFIC="" NO_IPVS_LOCAL=0 YES=0 EXEC="" LABEL="" FROM="" MON_PORT="" NOTE="" NODES=() LINKS=()
while [ $# -gt 0 ]; do
    case $1 in
    --out) OUT=$2; shift 2 ;;
    --ssh) SSH_CMD=$2; shift 2 ;;
    --host) HOST=$2; shift 2 ;;
    --nat-vip) NAT_VIP=$2; shift 2 ;;
    --rips) RIPS=$2; shift 2 ;;
    --traffic) TRAFFIC=$2; shift 2 ;;
    --no-ipvs-local) NO_IPVS_LOCAL=1; shift ;;
    --yes) YES=1; shift ;;
    --exec) EXEC=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    --node) NODES+=("$2"); shift 2 ;;
    --link) LINKS+=("$2"); shift 2 ;;
    --from) FROM=$2; shift 2 ;;
    --port) MON_PORT=$2; shift 2 ;;
    --note) NOTE=$2; shift 2 ;;
    *) die "unknown argument: $1 (see the header of $0)" ;;
    esac
done

record_source() {  # dir text
    printf '%s  %s%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2" "${NOTE:+ ($NOTE)}" >> "$1/SOURCES.txt"
}

# ------------------------------------------------------------------ ipvsadm
# The remote side gets fixed command strings built here from the values above; nothing
# a user typed into a chat reaches it.
remote() { $SSH_CMD "$HOST" "$@"; }

# One error case: the argv, the stderr and the exit code, as three files.
error_case() {  # name ipvsadm-args...
    local name=$1; shift
    local dir="$OUT/errors"
    printf '%s\n' "ipvsadm" "$@" > "$dir/$name.argv"
    set +e
    remote "ipvsadm $*" > "$dir/$name.stdout" 2> "$dir/$name.stderr"
    echo $? > "$dir/$name.exit"
    set -e
    [ -s "$dir/$name.stdout" ] || rm -f "$dir/$name.stdout"
}

capture_views() {  # prefix [ipvsadm -L filter args]
    local p=$1; shift
    remote "ipvsadm -L -n $*" > "$OUT/$p-list.txt"
    remote "ipvsadm -L -n --exact $*" > "$OUT/$p-list-exact.txt"
    remote "ipvsadm -L -n --stats $*" > "$OUT/$p-stats.txt"
    remote "ipvsadm -L -n --stats --exact $*" > "$OUT/$p-stats-exact.txt"
    remote "ipvsadm -L -n --rate $*" > "$OUT/$p-rate.txt"
    remote "ipvsadm -L -n --rate --exact $*" > "$OUT/$p-rate-exact.txt"
}

mixed_rules() {
    set -- $RIPS
    local r1=$1 r2=${2:-$1}
    cat <<EOF
-A -t $NAT_VIP:80 -s wlc
-a -t $NAT_VIP:80 -r $r1:80 -m -w 1
-a -t $NAT_VIP:80 -r $r2:80 -m -w 3
-A -t 192.0.2.10:443 -s rr -p 600 -M 255.255.255.0
-a -t 192.0.2.10:443 -r 198.51.100.11:443 -g -w 1
-a -t 192.0.2.10:443 -r 198.51.100.12:443 -g -w 0
-a -t 192.0.2.10:443 -r 198.51.100.13:443 -i -w 65535
-A -t 192.0.2.10:0 -s wrr -p
-a -t 192.0.2.10:0 -r 198.51.100.11:0 -g -w 2
-A -u 192.0.2.10:53 -s sh -b sh-fallback,sh-port -o
-a -u 192.0.2.10:53 -r 198.51.100.21:53 -m -w 2
-a -u 192.0.2.10:53 -r 198.51.100.22:5353 -m -w 2
-A -u 192.0.2.20:5060 -s rr -p 60 --pe sip
-a -u 192.0.2.20:5060 -r 198.51.100.23:5060 -m -w 1
-A -t 192.0.2.30:8080 -s lc -b flag-1,flag-3
-a -t 192.0.2.30:8080 -r 127.0.0.1:8080 -g -w 1
-a -t 192.0.2.30:8080 -r 198.51.100.24:8080 -i -w 4 --tun-type gue --tun-port 6080
-A --sctp-service 192.0.2.40:2905 -s rr
-a --sctp-service 192.0.2.40:2905 -r 198.51.100.41:2905 -m -w 1
-A -f 1 -s wlc -p 300
-a -f 1 -r 198.51.100.31:0 -g -w 5
-a -f 1 -r 198.51.100.32:0 -g -w 5
-A -f 2 -6 -s rr
-a -f 2 -6 -r [2001:db8:1::31]:0 -g -w 1
-A -t [2001:db8::100]:80 -s mh -b mh-port
-a -t [2001:db8::100]:80 -r [2001:db8:1::11]:8080 -m -w 1
-a -t [2001:db8::100]:80 -r [2001:db8:1::12]:8080 -m -w 2
-A -t [2001:db8::100]:443 -s sed -p 1800 -M 64
-a -t [2001:db8::100]:443 -r [2001:db8:1::11]:443 -g -w 1
-a -t [2001:db8::100]:443 -r [2001:db8:1:0:ffff:ffff:ffff:ffff]:443 -g -w 7
EOF
}

# 1,000 real servers in one virtual service, plus a small second one.
thousand_rules() {
    echo "-A -t 192.0.2.100:80 -s wlc"
    local i
    for i in $(seq 0 999); do
        echo "-a -t 192.0.2.100:80 -r 198.18.$((i / 250)).$((i % 250 + 1)):80 -g -w $((i % 5 + 1))"
    done
    echo "-A -u 192.0.2.100:53 -s rr"
    echo "-a -u 192.0.2.100:53 -r 198.19.0.1:53 -m -w 1"
}

capture_ipvsadm() {
    [ -n "$SSH_CMD" ] && [ -n "$HOST" ] || die "ipvsadm mode needs --ssh and --host (or CAPTURE_SSH, CAPTURE_HOST)"
    [ "$YES" = 1 ] || die "ipvsadm mode replaces the director's table for a while; pass --yes on a lab director"
    OUT=${OUT:-$ROOT/test/fixtures/ipvsadm}
    mkdir -p "$OUT/errors"
    local saved
    saved=$(mktemp)
    remote "ipvsadm -S -n" > "$saved" || die "cannot save the current table on $HOST"
    note "saved the current table ($(wc -l < "$saved") lines)"
    # Put the saved table back whatever happens from here on.
    restore() {
        note "restoring the saved table on $HOST"
        remote "ipvsadm -C && ipvsadm -R" < "$saved" || note "RESTORE FAILED: the saved rules are in $saved"
        if [ "$(remote 'ipvsadm -S -n')" = "$(cat "$saved")" ]; then rm -f "$saved"; else
            note "table after restore differs from the saved one; saved rules kept in $saved"; fi
    }
    trap restore EXIT

    remote "modprobe -a ip_vs_sh ip_vs_mh ip_vs_lc ip_vs_sed ip_vs_wrr ip_vs_pe_sip 2>/dev/null || true"
    remote "ipvsadm --version; uname -r" > "$OUT/version.txt"

    # --- the mixed table: IPv4, IPv6, fwmark, udp, sctp, every forwarding, flags, persistence
    remote "ipvsadm -C"
    mixed_rules | remote "ipvsadm -R"
    local tpid=""
    if [ -n "$TRAFFIC" ]; then
        note "traffic: $TRAFFIC"
        bash -c "$TRAFFIC" > /dev/null 2>&1 & tpid=$!
        sleep 5  # the kernel's rate estimator updates every 2 s
        remote "ipvsadm -L -n --rate" > "$OUT/mixed-rate.txt"
        remote "ipvsadm -L -n --rate --exact" > "$OUT/mixed-rate-exact.txt"
        wait "$tpid" || note "traffic command exited non-zero"
    fi
    remote "ipvsadm -L -n" > "$OUT/mixed-list.txt"
    remote "ipvsadm -L -n --exact" > "$OUT/mixed-list-exact.txt"
    remote "ipvsadm -L -n --stats" > "$OUT/mixed-stats.txt"
    remote "ipvsadm -L -n --stats --exact" > "$OUT/mixed-stats-exact.txt"
    if [ -z "$tpid" ]; then
        remote "ipvsadm -L -n --rate" > "$OUT/mixed-rate.txt"
        remote "ipvsadm -L -n --rate --exact" > "$OUT/mixed-rate-exact.txt"
    fi
    remote "ipvsadm -S -n" > "$OUT/mixed-save.txt"
    remote "ipvsadm -L -n -t $NAT_VIP:80" > "$OUT/mixed-list-one-service.txt"
    remote "ipvsadm -L -n --stats -f 1" > "$OUT/mixed-stats-one-fwmark.txt"

    # --- error cases, against the mixed table
    set -- $RIPS
    local r1=$1
    error_case add-service-exists -A -t "$NAT_VIP:80" -s wlc
    error_case add-service-unknown-scheduler -A -t 192.0.2.99:80 -s nosuch
    error_case edit-service-unknown-scheduler -E -t "$NAT_VIP:80" -s nosuch
    error_case edit-service-missing -E -t 192.0.2.99:80 -s rr
    error_case delete-service-missing -D -t 192.0.2.99:80
    error_case list-service-missing -L -n -t 192.0.2.99:80
    error_case zero-service-missing -Z -t 192.0.2.99:80
    error_case add-server-service-missing -a -t 192.0.2.99:80 -r 198.51.100.11:80 -g -w 1
    error_case edit-server-service-missing -e -t 192.0.2.99:80 -r 198.51.100.11:80 -g -w 1
    error_case delete-server-service-missing -d -t 192.0.2.99:80 -r 198.51.100.11:80
    error_case add-server-exists -a -t "$NAT_VIP:80" -r "$r1:80" -m -w 1
    error_case edit-server-missing -e -t "$NAT_VIP:80" -r 198.51.100.99:80 -m -w 1
    error_case delete-server-missing -d -t "$NAT_VIP:80" -r 198.51.100.99:80
    error_case add-server-multicast -a -t "$NAT_VIP:80" -r 224.0.0.1:80 -m -w 1
    error_case illegal-service-address -A -t 999.0.0.1:80 -s rr
    error_case illegal-port -A -t 192.0.2.99:70000 -s rr
    error_case illegal-weight -a -t "$NAT_VIP:80" -r 198.51.100.99:80 -m -w -1
    error_case illegal-scheduler-flags -A -t 192.0.2.99:80 -s rr -b nosuch
    error_case zero-port-not-persistent -A -t 192.0.2.99:0 -s rr
    error_case add-server-without-real-server -a -t "$NAT_VIP:80" -w 1
    # Not root: the same binary under an unprivileged uid and without capabilities.
    printf '%s\n' setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all ipvsadm -L -n \
        > "$OUT/errors/permission-denied.argv"
    set +e
    remote "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all ipvsadm -L -n" \
        > "$OUT/errors/permission-denied.stdout" 2> "$OUT/errors/permission-denied.stderr"
    echo $? > "$OUT/errors/permission-denied.exit"
    set -e
    [ -s "$OUT/errors/permission-denied.stdout" ] || rm -f "$OUT/errors/permission-denied.stdout"

    # --- 1,000 real servers
    remote "ipvsadm -C"
    thousand_rules | remote "ipvsadm -R"
    capture_views thousand
    remote "ipvsadm -S -n" > "$OUT/thousand-save.txt"

    # --- an empty table
    remote "ipvsadm -C"
    remote "ipvsadm -L -n" > "$OUT/empty-list.txt"
    remote "ipvsadm -L -n --stats" > "$OUT/empty-stats.txt"
    remote "ipvsadm -S -n" > "$OUT/empty-save.txt"

    if [ "$NO_IPVS_LOCAL" = 1 ]; then
        [ -e /proc/net/ip_vs ] && die "--no-ipvs-local: this machine has IPVS"
        printf '%s\n' ipvsadm -L -n > "$OUT/errors/no-ipvs.argv"
        set +e
        ipvsadm -L -n > "$OUT/errors/no-ipvs.stdout" 2> "$OUT/errors/no-ipvs.stderr"
        echo $? > "$OUT/errors/no-ipvs.exit"
        set -e
        [ -s "$OUT/errors/no-ipvs.stdout" ] || rm -f "$OUT/errors/no-ipvs.stdout"
        echo "no-ipvs: $(ipvsadm --version 2>&1 | head -1) on $(uname -r) (no IPVS in this kernel)" \
            >> "$OUT/version.txt"
    fi
    trap - EXIT
    restore
    record_source "$OUT" "ipvsadm: $HOST via '$SSH_CMD', nat-vip=$NAT_VIP rips='$RIPS' traffic='${TRAFFIC:-none}' no-ipvs-local=$NO_IPVS_LOCAL; $(tr '\n' ' ' < "$OUT/version.txt")"
    note "ipvsadm fixtures written to $OUT"
}

# ------------------------------------------------------------------ heartbeat
capture_cl_status() {
    [ -n "$EXEC" ] && [ -n "$LABEL" ] || die "cl-status mode needs --exec and --label"
    OUT=${OUT:-$ROOT/test/fixtures/heartbeat}
    local dir="$OUT/cl_status/$LABEL"
    mkdir -p "$dir"
    one() {  # case-name cl_status-args...
        local name=$1; shift
        set +e
        $EXEC cl_status "$@" > "$dir/$name.out" 2> "$dir/$name.err"
        echo $? > "$dir/$name.exit"
        set -e
        printf '%s\n' cl_status "$@" > "$dir/$name.argv"
    }
    one hbstatus hbstatus
    one hbstatus-v hbstatus -v
    one rscstatus rscstatus
    one listnodes listnodes
    one hbparameter-deadtime hbparameter -p deadtime
    local n l
    for n in "${NODES[@]}"; do
        one "nodestatus-$n" nodestatus "$n"
        one "listhblinks-$n" listhblinks "$n"
    done
    for l in "${LINKS[@]}"; do
        one "hblinkstatus-${l%%:*}-${l#*:}" hblinkstatus "${l%%:*}" "${l#*:}"
    done
    record_source "$OUT" "cl_status/$LABEL: via '$EXEC' nodes='${NODES[*]}' links='${LINKS[*]}'"
    note "cl_status fixtures written to $dir"
}

capture_ha_log() {
    [ -n "$FROM" ] && [ -n "$LABEL" ] || die "ha-log mode needs --from and --label"
    OUT=${OUT:-$ROOT/test/fixtures/heartbeat}
    mkdir -p "$OUT"
    install -m 0644 "$FROM" "$OUT/ha-log-$LABEL.txt"
    record_source "$OUT" "ha-log-$LABEL.txt: copy of $FROM"
}

# The HOWTO's ha-log part (10 in docs/howto.md, "ha-log 내용") holds four excerpts; each starts after a line
# with "– Master-Lvs", "– Slave-Lvs" or "– Slave-Lvs-log". Only the "heartbeat: " lines
# are kept, byte for byte (the document puts a blank line between log lines).
capture_seed() {
    [ -n "$FROM" ] || die "seed mode needs --from PATH/lvs-clustering-howto.ko.txt"
    OUT=${OUT:-$ROOT/test/fixtures/heartbeat}
    mkdir -p "$OUT"
    local start end
    start=$(grep -n '(10\. ha-log' "$FROM" | head -1 | cut -d: -f1)
    end=$(grep -n '(11\. ' "$FROM" | head -1 | cut -d: -f1)
    [ -n "$start" ] && [ -n "$end" ] || die "the ha-log part (10.) not found in $FROM"
    sed -n "${start},${end}p" "$FROM" | awk -v out="$OUT" '
        /^\xe2\x80\x93 / { n++; file = sprintf("%s/seed-section10-%d.txt", out, n); next }
        /^heartbeat: / && file { print > file }
    '
    record_source "$OUT" "seed-section10-{1..4}.txt: the heartbeat: lines of $(basename "$FROM") lines $start-$end (part 10, the ha-log excerpts), verbatim"
    note "seed excerpts written to $OUT"
}

# ------------------------------------------------------------------ mon
capture_mon() {
    OUT=${OUT:-$ROOT/test/fixtures/mon}
    mkdir -p "$OUT/moncmd" "$OUT/alerts"
    local port=${MON_PORT:-}
    if [ -z "$port" ]; then
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    fi
    local tmp
    tmp=$(mktemp -d /tmp/capture-mon.XXXXXX)
    mkdir -p "$tmp"/{mon.d,alert.d,log,state}
    # Monitors: one passes, one fails with a summary and a detail, one fails until the
    # flag file exists (for up alerts), one fails for an ack.
    printf '#!/bin/sh\necho "all ok"\nexit 0\n' > "$tmp/mon.d/pass.monitor"
    printf '#!/bin/sh\necho "$*"\necho "detail line 1 for $*"\necho "detail line 2"\nexit 1\n' > "$tmp/mon.d/fail.monitor"
    printf '#!/bin/sh\nif [ -e %s/up ]; then echo "back up"; exit 0; fi\necho "%s"\necho "connect refused"\nexit 1\n' \
        "$tmp" "\$*" > "$tmp/mon.d/flip.monitor"
    # The alert script: one JSON file per call (in ../log) with argv, the MON_* and LVS_*
    # environment and stdin, exactly as mon handed them over (values may span lines).
    cat > "$tmp/alert.d/record.alert" <<'PERL'
#!/usr/bin/perl
use strict; use warnings; use JSON::PP; use File::Temp qw(tempfile); use File::Basename;
my $stdin = do { local $/; <STDIN> } // '';
my %env = map { $_ => $ENV{$_} } grep { /^(MON_|LVS_)/ } keys %ENV;
my ($fh) = tempfile('alert.XXXXXX', DIR => dirname($0) . '/../log');
print $fh JSON::PP->new->canonical->pretty->encode({ argv => [@ARGV], env => \%env, stdin => $stdin });
PERL
    chmod 0755 "$tmp"/mon.d/* "$tmp"/alert.d/*
    cat > "$tmp/auth.cf" <<'EOF'
command section
list: all
ack: all
disable: all
enable: all
test: all
quit: all
version: all
EOF
    cat > "$tmp/mon.cf" <<EOF
alertdir = $tmp/alert.d
mondir = $tmp/mon.d
logdir = $tmp/log
statedir = $tmp/state
authfile = $tmp/auth.cf
dtlogging = yes
dtlogfile = downtime.log

hostgroup lvs-web 198.51.100.11 198.51.100.12
    198.51.100.13

hostgroup lvs-dns 198.51.100.21

watch lvs-web
    service http
        LVS_CHATOPS_URL=http://127.0.0.1:1/hooks/mon
        description web real servers
        interval 1s
        monitor flip.monitor
        period wd {Sun-Sat}
            alert record.alert -P tcp -V 192.0.2.1:80 -R 198.51.100.11:80 -W 1 -F dr
            upalert record.alert -P tcp -V 192.0.2.1:80 -R 198.51.100.11:80 -W 1 -F dr
            ackalert record.alert
            alertevery 1h
    service ping
        interval 1s
        monitor pass.monitor
        period wd {Sun-Sat}
            alert record.alert "quoted arg" plain
            disablealert record.alert
            startupalert record.alert

watch lvs-dns
    service dns
        interval 1s
        monitor fail.monitor
        depend lvs-web:ping
        period wd {Sun-Sat}
            alert record.alert
            alertafter 2
EOF
    cp "$tmp/mon.cf" "$OUT/capture-mon.cf"
    sed -i "s#$tmp#/TMP#g" "$OUT/capture-mon.cf"
    /usr/sbin/mon -c "$tmp/mon.cf" -p "$port" -t "$port" -P "$tmp/mon.pid" -i 1 \
        > "$tmp/mon.stdout" 2>&1 &
    local monpid=$!
    stop_mon() {
        kill -TERM "$monpid" 2>/dev/null || true
        wait "$monpid" 2>/dev/null || true
        rm -rf "$tmp"
    }
    trap stop_mon EXIT
    local i
    for i in $(seq 50); do
        moncmd -s 127.0.0.1 -p "$port" version > /dev/null 2>&1 && break
        sleep 0.2
    done
    mc() {  # name command...
        local name=$1; shift
        moncmd -s 127.0.0.1 -p "$port" "$*" > "$OUT/moncmd/$name.txt" 2>&1 || true
        echo "$*" > "$OUT/moncmd/$name.cmd"
    }
    sleep 5  # a few monitor runs: lvs-web/http and lvs-dns/dns fail, lvs-web/ping passes
    mc version version
    mc list-watch list watch
    mc list-state list state
    mc list-group list group lvs-web
    mc list-opstatus-failing list opstatus
    mc list-opstatus-one list opstatus lvs-web,ping
    mc list-opstatus-unknown list opstatus lvs-web,nosuch
    mc list-failures list failures
    mc ack ack lvs-web http looking into it
    mc ack-not-failing ack lvs-web ping nothing to ack
    mc test-alert test alert lvs-web ping 1 wd {Sun-Sat}
    mc test-alert-unknown-period test alert lvs-web ping 1 nosuchperiod
    mc disable-service disable service lvs-web ping
    mc disable-service-unknown disable service lvs-web nosuch
    mc disable-host disable host 198.51.100.13
    mc disable-host-unknown disable host 203.0.113.99
    mc list-disabled list disabled
    mc enable-service enable service lvs-web ping
    mc enable-unknown enable service nosuch ping
    mc enable-host enable host 198.51.100.13
    mc list-disabled-none list disabled
    mc unknown-command frobnicate
    touch "$tmp/up"
    sleep 4  # lvs-web/http recovers: the upalert fires
    mc list-opstatus-recovered list opstatus
    mc list-dtlog list dtlog
    mc list-alerthist list alerthist
    sleep 1
    local n=0 f
    for f in "$tmp"/log/alert.*; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        cp "$f" "$OUT/alerts/$(perl -MJSON::PP -0777 -ne '$e = decode_json($_)->{env}; print "$e->{MON_ALERTTYPE}-$e->{MON_GROUP}-$e->{MON_SERVICE}"' "$f")-$n.json"
    done
    sed -i "s#$tmp#/TMP#g" "$OUT"/alerts/*.json "$OUT"/moncmd/*.txt 2>/dev/null || true
    trap - EXIT
    stop_mon
    capture_mon_config_cases
    record_source "$OUT" "mon: $(/usr/sbin/mon -v 2>&1 | head -1) on 127.0.0.1:$port with capture-mon.cf (temp paths shown as /TMP); $n alert calls recorded"
    note "mon fixtures written to $OUT"
}

# How mon's own config reader treats layouts our reader must match: each case is a mon.cf
# given to a fresh mon; we store what mon then reports (`list watch`, `list group`,
# `list descriptions`, `get G S monitor|interval|depend`) or, when mon refuses the file,
# its output and exit code. Files: mon/config-cases/NAME.cf and NAME.<what>.txt.
mon_config_case() {  # name hostgroup-names  (mon.cf body on stdin; /TMP stands for the temp dir)
    local name=$1 groups=$2 dir="$OUT/config-cases"
    mkdir -p "$dir"
    local tmp port
    tmp=$(mktemp -d /tmp/capture-moncf.XXXXXX)
    mkdir -p "$tmp"/{mon.d,alert.d,log,state}
    printf '#!/bin/sh\necho ok\nexit 0\n' > "$tmp/mon.d/pass.monitor"
    printf '#!/bin/sh\nexit 0\n' > "$tmp/alert.d/record.alert"
    chmod 0755 "$tmp"/mon.d/* "$tmp"/alert.d/*
    printf 'command section\nlist: all\nget: all\n' > "$tmp/auth.cf"
    cat > "$dir/$name.cf"
    sed "s#/TMP#$tmp#g" "$dir/$name.cf" > "$tmp/mon.cf"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    /usr/sbin/mon -c "$tmp/mon.cf" -p "$port" -t "$port" -P "$tmp/mon.pid" -i 1 \
        > "$tmp/mon.out" 2>&1 &
    local pid=$! up=0 i
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        if moncmd -s 127.0.0.1 -p "$port" version > /dev/null 2>&1; then up=1; break; fi
        sleep 0.2
    done
    if [ "$up" = 1 ]; then
        local q="moncmd -s 127.0.0.1 -p $port"
        $q "list watch" > "$dir/$name.list-watch.txt" 2>&1 || true
        $q "list descriptions" > "$dir/$name.list-descriptions.txt" 2>&1 || true
        local g s v
        for g in $groups; do $q "list group $g" > "$dir/$name.list-group-$g.txt" 2>&1 || true; done
        while read -r g s; do
            [ -n "${s:-}" ] || continue
            for v in monitor interval depend; do
                $q "get $g $s $v" > "$dir/$name.get-$g-$s-$v.txt" 2>&1 || true
            done
        done < <(grep -v '^2[0-9][0-9] ' "$dir/$name.list-watch.txt")
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    else
        set +e
        wait "$pid"
        echo $? > "$dir/$name.exit"
        set -e
    fi
    # mon echoes each client command on stdout; keep only what it says about the config
    grep -v -E '^client (command|args)' "$tmp/mon.out" | sed "s#$tmp#/TMP#g" > "$dir/$name.mon-output.txt" || true
    [ -s "$dir/$name.mon-output.txt" ] || rm -f "$dir/$name.mon-output.txt"
    rm -rf "$tmp"
}

capture_mon_config_cases() {
    mon_config_case blank-line-inside-watch web <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf

hostgroup web 198.51.100.11 198.51.100.12

watch web
    service http
        interval 30s
        monitor pass.monitor
        period wd {Sun-Sat}
            alert record.alert

    service ping
        interval 1m
        monitor pass.monitor
        period wd {Sun-Sat}
            alert record.alert
EOF
    mon_config_case comments-and-continuations web <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf

hostgroup web 198.51.100.11 \
    198.51.100.12
    198.51.100.13

watch web
    # an indented comment line does not end the watch
    service http
        description web \
            real servers # not a comment
        interval 30s
        monitor pass.monitor -p 80 \
            -t 5
        period wd {Sun-Sat}
            alert record.alert
    service ping
        interval 2m
        monitor pass.monitor
        depend SELF:http
        period wd {Sun-Sat}
            alert record.alert
EOF
    mon_config_case watch-right-after-hostgroup web <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf

hostgroup web 198.51.100.11
watch web
    service http
        interval 30s
        monitor pass.monitor
EOF
    mon_config_case whitespace-only-line-inside-watch "web dns" <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf

hostgroup web 198.51.100.11

hostgroup dns 198.51.100.21

watch web
    service http
        interval 30s
        monitor pass.monitor
    
    service ping
        interval 30s
        monitor pass.monitor
watch dns
    service dns
        interval 30s
        monitor pass.monitor
EOF
    mon_config_case service-keyword-after-period web <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf

hostgroup web 198.51.100.11

watch web
    service http
        monitor pass.monitor
        period wd {Sun-Sat}
            alert record.alert
        interval 30s
EOF
    mon_config_case interval-without-unit web <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf

hostgroup web 198.51.100.11

watch web
    service http
        interval 60
        monitor pass.monitor
EOF
    mon_config_case alertafter-not-sensible web <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf

hostgroup web 198.51.100.11

watch web
    service http
        interval 1m
        monitor pass.monitor
        period wd {Sun-Sat}
            alert record.alert
            alertafter 3 1m
EOF
    mon_config_case env-before-service web <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf

hostgroup web 198.51.100.11

watch web
    LVS_CHATOPS_URL=http://127.0.0.1/hooks/mon
    service http
        interval 1m
        monitor pass.monitor
EOF
    mon_config_case unknown-global web <<'EOF'
alertdir = /TMP/alert.d
mondir = /TMP/mon.d
logdir = /TMP/log
statedir = /TMP/state
authfile = /TMP/auth.cf
frobnicate = yes

hostgroup web 198.51.100.11

watch web
    service http
        interval 1m
        monitor pass.monitor
EOF
}

case $MODE in
ipvsadm) capture_ipvsadm ;;
cl-status) capture_cl_status ;;
ha-log) capture_ha_log ;;
seed) capture_seed ;;
mon) capture_mon ;;
*) die "usage: $0 ipvsadm|cl-status|ha-log|seed|mon [options] (see the header of this file)" ;;
esac
