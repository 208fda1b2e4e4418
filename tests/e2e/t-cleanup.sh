#!/bin/bash
# Regression: agw_cleanup removed nothing. agw_gnupg_home is called as
# $(...), and the list it kept in a variable died with that subshell, so
# every test and the demo left its GnuPG homes (secret keys included) and
# their gpg-agents behind: 1,349 agents after a day's work.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
fails=0
H1=$(agw_gnupg_home)
H2=$(agw_gnupg_home)
for h in "$H1" "$H2"; do
    gpg-connect-agent --homedir "$h" /bye >/dev/null 2>&1
done
agent_of() { pgrep -f "gpg-agent --homedir $1( |\$)" >/dev/null; }
check "an agent runs for each home" bash -c "$(declare -f agent_of); agent_of '$H1' && agent_of '$H2'"
agw_cleanup
sleep 0.5
check "agw_cleanup removes every home" bash -c "[ ! -e '$H1' ] && [ ! -e '$H2' ]"
check "and stops every agent" bash -c "$(declare -f agent_of); ! agent_of '$H1' && ! agent_of '$H2'"
check "and its list" test ! -e "$AGW_HOMES_LIST"
[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
