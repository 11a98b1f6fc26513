#!/usr/bin/env bash
# Proves the report schemas (docs/report.schema.json, tests/report/junit.xsd) and
# validate_outputs.sh both accept what they should and reject what they should:
#   - every run directory in fixtures/valid*/ (report.json + junit.xml) validates;
#   - every fixtures/valid-junit/*.xml validates (JUnit shapes other tools write);
#   - every fixtures/invalid-report/*.json, a change to a valid report.json that breaks one rule,
#     fails, and the error names the path (or problem) in its "expect";
#   - every fixtures/invalid-junit/*.xml fails, with the message in its "<!-- expect: ... -->".
# Exits 1 if any check goes the wrong way. PYTHON (default python3) picks the interpreter.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
fixtures="$here/fixtures"
validate="$here/validate_outputs.sh"
python=${PYTHON:-python3}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  $1"; [ -n "${2:-}" ] && sed 's/^/      /' <<<"$2"; }

# A run directory with the given report.json and junit.xml.
run_dir() {
  local dir="$scratch/$1"
  mkdir -p "$dir"
  cp "$2" "$dir/report.json"
  cp "$3" "$dir/junit.xml"
  echo "$dir"
}

expect_valid() {  # name dir
  local out
  if out=$("$validate" "$2" 2>&1); then ok "$1 validates"; else bad "$1 should validate" "$out"; fi
}

expect_invalid() {  # name dir expected-text [one: exactly one report.json error]
  local out rc
  out=$("$validate" "$2" 2>&1); rc=$?
  if [ $rc -ne 1 ]; then
    bad "$1 should fail validation (exit 1), exit $rc" "$out"
  elif ! grep -qF -- "$3" <<<"$out"; then
    bad "$1 failed, but not with \"$3\"" "$out"
  elif [ "${4:-}" = one ] && [ "$(grep -c '^report.json: \$' <<<"$out")" -ne 1 ]; then
    bad "$1 should break one rule, not several" "$out"
  else
    ok "$1 fails: $(grep -F -m1 -- "$3" <<<"$out" | cut -c1-150)"
  fi
}

# 1. Valid run directories.
for dir in "$fixtures"/valid*/; do
  [ -f "$dir/report.json" ] || continue
  expect_valid "$(basename "$dir")" "$dir"
done

# 2. Other valid JUnit shapes, next to a valid report.json.
for xml in "$fixtures"/valid-junit/*.xml; do
  expect_valid "valid-junit/$(basename "$xml")" \
    "$(run_dir "junit-$(basename "$xml" .xml)" "$fixtures/valid/report.json" "$xml")"
done

# 3. report.json, broken one rule at a time.
for patch in "$fixtures"/invalid-report/*.json; do
  name=$(basename "$patch" .json)
  dir="$scratch/report-$name"
  mkdir -p "$dir"
  cp "$fixtures/valid/junit.xml" "$dir/junit.xml"
  if ! expect=$("$python" - "$patch" "$fixtures" "$dir/report.json" <<'PY'
import json, sys

patch_path, fixtures, out_path = sys.argv[1:4]
with open(patch_path, encoding="utf-8") as f:
    patch = json.load(f)
with open("%s/%s/report.json" % (fixtures, patch.get("base", "valid")), encoding="utf-8") as f:
    text = f.read()

def parent(doc, pointer):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    for p in parts[:-1]:
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    last = parts[-1]
    return doc, (int(last) if isinstance(doc, list) else last)

if "replace_text" in patch:
    old, new = patch["replace_text"]
    if old not in text:
        sys.exit("replace_text: %r not in the base report" % old)
    text = text.replace(old, new, 1)
elif "truncate" in patch:
    text = text[:patch["truncate"]]
else:
    doc = json.loads(text)
    for pointer in patch.get("remove", []):
        container, key = parent(doc, pointer)
        del container[key]
    for pointer, value in patch.get("set", {}).items():
        container, key = parent(doc, pointer)
        container[key] = value
    text = json.dumps(doc, indent=2, ensure_ascii=False)
with open(out_path, "w", encoding="utf-8") as f:
    f.write(text)
print(patch["expect"])
PY
  ); then
    bad "invalid-report/$name: cannot apply the patch"
    continue
  fi
  # A path is expected as "report.json: <path>: "; a problem ("not valid JSON") anywhere.
  one=
  case $expect in
    '$'*) expect="report.json: $expect: " one=one ;;
  esac
  expect_invalid "invalid-report/$name" "$dir" "$expect" $one
done

# 4. junit.xml, broken.
for xml in "$fixtures"/invalid-junit/*.xml; do
  name=$(basename "$xml" .xml)
  expect=$(sed -n 's/^<!-- expect: \(.*\) -->$/\1/p' "$xml" | head -1)
  [ -n "$expect" ] || { bad "invalid-junit/$name has no <!-- expect: ... --> line"; continue; }
  expect_invalid "invalid-junit/$name" "$(run_dir "junit-$name" "$fixtures/valid/report.json" "$xml")" "$expect"
done

# 5. The script itself: a missing junit.xml and a missing report.json fail.
dir="$scratch/no-junit"; mkdir -p "$dir"; cp "$fixtures/valid/report.json" "$dir/"
expect_invalid "a run directory without junit.xml" "$dir" "junit.xml: missing"
dir="$scratch/no-report"; mkdir -p "$dir"; cp "$fixtures/valid/junit.xml" "$dir/"
expect_invalid "a run directory without report.json" "$dir" "report.json: cannot read"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
