#!/bin/sh
# probe (untracked): where debug-kernel time goes
. ./lifecycle_lib.sh
start_test "probe"
cat /proc/cmdline | sed 's/^/# cmdline /'
for f in /sys/devices/system/cpu/vulnerabilities/*; do echo "# vuln ${f##*/}: $(cat $f)"; done
dmesg | grep -i -E "spectre|retbleed|mitigat|srso|call depth|its:" | sed 's/^/# M /'
t0=$(now_ms); i=0; while [ $i -lt 20 ]; do x=$(echo a); i=$((i+1)); done; echo "# 20 forks: $(( $(now_ms) - t0 )) ms"
t0=$(now_ms); i=0; while [ $i -lt 20 ]; do ./rklp_finit /nonexistent "" 2>/dev/null; i=$((i+1)); done; echo "# 20 fork+exec static: $(( $(now_ms) - t0 )) ms"
t0=$(now_ms); i=0; while [ $i -lt 20 ]; do /usr/gnu/bin/date >/dev/null; i=$((i+1)); done; echo "# 20 fork+exec dynamic: $(( $(now_ms) - t0 )) ms"
t0=$(now_ms); i=0; while [ $i -lt 5 ]; do load_mod rklp_test_lifecycle; unload_mod rklp_test_lifecycle; i=$((i+1)); done; echo "# 5 load+unload: $(( $(now_ms) - t0 )) ms"
end_test
