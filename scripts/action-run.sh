#!/bin/sh
# The run step of action.yml: runs the scenarios, writes JUnit, HTML and a Markdown summary into
# $TESTBED_REPORT_DIR (with, for a failed run, the archive of its lab's state), appends the summary to $GITHUB_STEP_SUMMARY, records the exit code as the
# step output, and exits with it. Inputs arrive as environment variables (never as shell text).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${TESTBED_REPORT_DIR:-testbed-report}
mkdir -p "$dir"
as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo --preserve-env=PATH,TESTBED_ENGINES"
set -- --junit "$dir/junit.xml" --html "$dir/report.html" --summary "$dir/summary.md"
# The archive of a failed lab goes with the reports, unless the extra arguments say where.
case " ${TESTBED_ARGS:-} " in
*" --collect-on-failure"*) ;;
*) set -- "$@" --collect-on-failure "$dir/evidence" ;;
esac
# Word splitting of the scenario list and the extra arguments is wanted (globs, several files).
# shellcheck disable=SC2086
$as_root node "$root/bin/testbed.js" run $TESTBED_SCENARIOS --backend "${TESTBED_BACKEND:-docker}" ${TESTBED_ARGS:-} "$@"
code=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$dir/summary.md" ]; then cat "$dir/summary.md" >>"$GITHUB_STEP_SUMMARY"; fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "exit-code=$code" >>"$GITHUB_OUTPUT"; fi
exit "$code"
