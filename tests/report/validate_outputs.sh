#!/usr/bin/env bash
# Validates a run directory's report outputs against their schemas:
#   RUN_DIR/report.json  against docs/report.schema.json  (JSON Schema 2020-12, python3-jsonschema)
#   RUN_DIR/junit.xml    against tests/report/junit.xsd    (XML Schema, xmllint from libxml2-utils)
# Prints every problem (JSON ones with their JSON path) and exits 1 if there is any, 2 on misuse
# or a missing tool. PYTHON (default python3) picks the interpreter.
#
#   tests/report/validate_outputs.sh runs/2026-12-02T03-10-00-12345
set -u

usage() { echo "usage: $0 RUN_DIR   (validates RUN_DIR/report.json and RUN_DIR/junit.xml)" >&2; exit 2; }
[ $# -eq 1 ] || usage
run_dir=$1
[ -d "$run_dir" ] || { echo "$0: not a directory: $run_dir" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
schema="$root/docs/report.schema.json"
xsd="$root/tests/report/junit.xsd"
python=${PYTHON:-python3}

command -v "$python" >/dev/null || { echo "$0: $python not found" >&2; exit 2; }
command -v xmllint >/dev/null || { echo "$0: xmllint not found (apt-get install libxml2-utils)" >&2; exit 2; }
"$python" -c 'import jsonschema' 2>/dev/null ||
  { echo "$0: $python has no jsonschema module (apt-get install python3-jsonschema)" >&2; exit 2; }

failed=0

# report.json. Duplicate keys and NaN/Infinity are errors too: they are not JSON that every reader
# reads the same way (report.html's JSON.parse rejects NaN; duplicates are read as the last one).
if ! "$python" - "$schema" "$run_dir/report.json" <<'PY'
import json, sys
import jsonschema

schema_path, report_path = sys.argv[1], sys.argv[2]
name = "report.json"

def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError("duplicate key %s" % json.dumps(key))
        seen[key] = value
    return seen

def no_constant(text):
    raise ValueError("%s is not JSON" % text)

with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
try:
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f, object_pairs_hook=no_duplicates, parse_constant=no_constant)
except OSError as e:
    print("%s: cannot read: %s" % (name, e.strerror))
    sys.exit(1)
except (ValueError, UnicodeDecodeError) as e:
    print("%s: not valid JSON: %s" % (name, e))
    sys.exit(1)

validator = jsonschema.Draft202012Validator(schema)
errors = sorted(validator.iter_errors(report), key=lambda e: [str(p) for p in e.absolute_path])
def short(text, limit=200):
    return text if len(text) <= limit else text[:limit] + "..."

def leaves(error):
    if not error.context:
        return [error]
    return [leaf for sub in error.context for leaf in leaves(sub)]

def rule_of(error):
    """The description of the innermost rule (an allOf item, a then or an else) the error broke."""
    node, parent_key, rule = schema, None, None
    for key in error.absolute_schema_path:
        # The path goes through a $ref without naming it: follow it when the key is not here.
        while isinstance(node, dict) and "$ref" in node and key not in node:
            target = schema
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "description" in node and (key in ("then", "else") or parent_key == "allOf"):
            rule = node["description"]
        parent_key = key
    return rule

for e in errors:
    rule = rule_of(e)
    if e.validator in ("oneOf", "anyOf"):
        # The message would repeat the whole value: say what each alternative found instead.
        print("%s: %s: %s" % (name, e.json_path, "breaks the rule: " + rule if rule else "matches none of the allowed forms"))
        for sub in leaves(e)[:4]:
            print("    %s: %s" % (sub.json_path, short(sub.message)))
    elif rule:
        print("%s: %s: breaks the rule: %s (%s)" % (name, e.json_path, rule, short(e.message, 100)))
    else:
        print("%s: %s: %s" % (name, e.json_path, short(e.message)))
if errors:
    print("%s: %d error(s) against %s" % (name, len(errors), schema_path))
    sys.exit(1)
print("%s: valid (schema_version %s)" % (name, report.get("schema_version")))
PY
then
  failed=1
fi

# junit.xml
if [ ! -f "$run_dir/junit.xml" ]; then
  echo "junit.xml: missing in $run_dir"
  failed=1
elif xmllint --noout --nonet --schema "$xsd" "$run_dir/junit.xml" 2>&1 | sed 's/^/junit.xml: /'; [ "${PIPESTATUS[0]}" -ne 0 ]; then
  failed=1
fi

exit $failed
