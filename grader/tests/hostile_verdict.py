"""Judge one hostile case's JSON report (stdin): lab 01 scores 0 with the
messages its expect file names, and the other lab keeps full marks."""
import json
import sys

case, kit, other = sys.argv[1:4]
d = json.load(sys.stdin)
labs = {lab["id"]: lab for lab in d["labs"]}
lab = labs["01"]
assert lab["score"] == 0, f"lab 01 scored {lab['score']}, want 0"
with open(f"{kit}/grader/tests/hostile/{case}/expect") as f:
    words = [line[len("message: "):].strip() for line in f if line.startswith("message: ")]
text = "\n".join((c["message"] or "") for c in lab["checks"]) + "\n" + (lab.get("notes") or "")
for w in words:
    assert w in text, f"no message says '{w}':\n{text[:3000]}"
if other:
    o = labs[other[:2]]
    assert o["score"] == o["max_score"], f"lab {other} scored {o['score']}/{o['max_score']} beside the hostile lab"
