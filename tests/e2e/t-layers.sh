#!/bin/bash
# The source tree's layering (src/README.md): a folder includes headers of
# its own and of the folders listed for it here, never of a folder above
# it. This keeps the outbox out of the pipeline and the mail and database
# code out of the commands.
set -u
SRC=$AGW_SOURCE_DIR/src
declare -A may=(
    [util]="util"
    [db]="util db"
    [conf]="util conf"
    [mail]="util mail"
    [registry]="util db mail registry"
    [relay]="util relay"
    [gateway]="util db conf mail registry gateway"
    [intake]="util db gateway intake"
    [process]="util db conf mail registry gateway process"
    [outbox]="util db conf relay gateway outbox"
    [web]="util db conf mail registry relay gateway intake process outbox web"
    [cli]="util db conf mail registry relay gateway intake process outbox web cli"
)
fails=0
for dir in "$SRC"/*/; do
    layer=$(basename "$dir")
    if [ -z "${may[$layer]+x}" ]; then
        echo "not ok - src/$layer: a folder the layering does not know (add it here and to src/README.md)"
        fails=$((fails + 1))
        continue
    fi
    bad=""
    for f in "$dir"*.[ch]; do
        while read -r inc; do
            case "$inc" in
            */*) ;;
            *) bad="$bad $(basename "$f"):$inc(no folder)"; continue ;;
            esac
            to=${inc%%/*}
            case " ${may[$layer]} " in
            *" $to "*) ;;
            *) bad="$bad $(basename "$f"):$inc" ;;
            esac
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
    done
    if [ -z "$bad" ]; then
        echo "ok - src/$layer includes only: ${may[$layer]}"
    else
        echo "not ok - src/$layer includes above itself:$bad"
        fails=$((fails + 1))
    fi
done
# cli may include web for the command entry only (cli_web.c): the
# console is a command, never a library the other commands lean on.
webinc=$(grep -l '^#include "web/' "$SRC"/cli/*.[ch] 2>/dev/null | xargs -r -n1 basename | grep -vx cli_web.c)
if [ -z "$webinc" ]; then
    echo "ok - src/cli includes web only in cli_web.c"
else
    echo "not ok - src/cli includes web outside cli_web.c:" $webinc
    fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] || { echo "$fails folders break the layering"; exit 1; }
