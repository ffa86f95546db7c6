#!/usr/bin/env python3
"""manifest-pot.py MANIFEST: the manifest's words a student reads (each lab's
title and concept) as a .pot, with the phrases that "explained_by" links look
for in a check's message ("when": the translation is the same phrase as it
reads in that message's translation), so one catalogue (po/zh_CN.po) and one test
cover them like every other message; the grader shows them through gettext.
The Python names and the check hints stay out: the first are identifiers,
the hints are translated in labs/NN-slug/hints.zh-CN.md."""
import json
import sys


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    seen = {}
    for lab in manifest["labs"]:
        for field in ("title", "concept"):
            text = lab.get(field)
            if text:
                seen.setdefault(text, []).append(f"{lab['id']}.{field}")
    phrases = {}
    for lab in manifest["labs"]:
        for check in lab.get("checks", []):
            for link in check.get("explained_by", []):
                if isinstance(link, dict) and link.get("when"):
                    phrases.setdefault(link["when"], []).append(f"{lab['id']}.{check['name']}.when")
    print('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
    for text, refs in phrases.items():
        print("#. TRANSLATORS: a phrase looked for in a check's message: translate it")
        print("#. exactly as it reads in that message's translation")
        print("#. " + ", ".join(refs))
        print("#: " + path)
        print("msgid " + quote(text))
        print('msgstr ""\n')
    for text, refs in seen.items():
        if text in phrases:
            continue
        print("#. " + ", ".join(refs))
        print("#: " + path)
        print("msgid " + quote(text))
        print('msgstr ""\n')


if __name__ == "__main__":
    main()
