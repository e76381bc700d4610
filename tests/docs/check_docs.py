#!/usr/bin/python3
"""Keeps README.md and docs/*.md from rotting.

  check_docs.py commands ROOT   every command in a ```sh/```bash/```console block
                                is run by a script or test of the project
  check_docs.py sql ROOT DSN    every statement in a ```sql block runs, and
                                returns rows, on a freshly migrated database
                                holding one small search

ROOT is the source tree (the test finds it through README.md's runfile).

A documented command counts as run when, normalised (whitespace collapsed,
a leading "$ " and a trailing "# comment" stripped, backslash-continued lines
joined), it appears in the code (not the comments) of a file under scripts/,
tests/, bench/, deploy/, .ci/ or python/ (tests/docs/ excepted); or it is the bare
path of such a script; or it runs such a script as its own usage comment
documents it (e.g. `QUICK=1 bench/run_all.sh`).
"""
import glob
import os
import re
import subprocess
import sys
import uuid

RUNNING_TREES = ["scripts", "tests", "bench", "deploy", ".ci", "python"]
SHELL_FENCES = {"sh", "bash", "console", "shell"}


def doc_files(root):
    return [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))


def fenced_blocks(path):
    """(language, first line number, [lines]) of every fenced block of a markdown file."""
    blocks, lang, start, body = [], None, 0, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fence = re.match(r"^\s*```+\s*([\w+-]*)", line)
            if fence and lang is None:
                lang, start, body = fence.group(1).lower(), number + 1, []
            elif fence and lang is not None:
                blocks.append((lang, start, body))
                lang = None
            elif lang is not None:
                body.append(line.rstrip("\n"))
    return blocks


def strip_comment(line):
    """The line without a trailing shell comment (a # outside quotes, after a blank)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def normalise(text):
    return " ".join(text.split())


def doc_commands(path):
    """(line number, command) of every command in the shell blocks of a doc."""
    commands = []
    for lang, start, body in fenced_blocks(path):
        if lang not in SHELL_FENCES:
            continue
        pending, pending_line = "", 0
        for offset, raw in enumerate(body):
            line = raw.strip()
            if not pending:
                pending_line = start + offset
                if line.startswith("$ "):
                    line = line[2:]
                elif lang == "console" and line and not line.startswith("$"):
                    continue  # Output shown in a console block.
            line = strip_comment(line).rstrip()
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            command = normalise(pending + line)
            pending = ""
            if command:
                commands.append((pending_line, command))
    return commands


def script_texts(root):
    """{relative path: (code, comments)} of every text file that may run a documented command."""
    texts = {}
    for tree in RUNNING_TREES:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, tree)):
            rel_dir = os.path.relpath(dirpath, root)
            if rel_dir == os.path.join("tests", "docs") or "/results" in "/" + rel_dir:
                dirnames[:] = []
                continue
            for name in filenames:
                path = os.path.join(dirpath, name)
                try:
                    with open(path, encoding="utf-8") as f:
                        lines = f.read().replace("\\\n", " ").splitlines()
                except (UnicodeDecodeError, OSError):
                    continue
                code, comments = [], []
                for line in lines:
                    stripped = line.strip()
                    if stripped.startswith("#") or stripped.startswith("//"):
                        comments.append(stripped.lstrip("#/ "))
                    else:
                        code.append(line)
                texts[os.path.relpath(path, root)] = (normalise("\n".join(code)),
                                                      [normalise(c) for c in comments])
    return texts


def contains(haystack, needle):
    """needle occurs in haystack, not as part of a longer word on either side."""
    return re.search(r"(?<![\w/.-])" + re.escape(needle) + r"(?![\w/.-])", haystack) is not None


def invoked_script(command, texts):
    """The project script a command runs (after VAR=value words and `bash`), if any."""
    words = command.split()
    while words and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]) or words[0] in ("bash", "sh")):
        words = words[1:]
    if not words:
        return None
    path = words[0][2:] if words[0].startswith("./") else words[0]
    return path if path in texts else None


def is_run(command, texts):
    if any(contains(code, command) for code, _ in texts.values()):
        return True
    script = invoked_script(command, texts)
    if script is None:
        return False
    if command == script:
        return True
    # The script's own usage comment documents this very invocation.
    return any(contains(comment, command) for comment in texts[script][1])


def check_commands(root):
    texts = script_texts(root)
    failures, count = [], 0
    for doc in doc_files(root):
        for line, command in doc_commands(doc):
            count += 1
            if not is_run(command, texts):
                failures.append(f"{os.path.relpath(doc, root)}:{line}: `{command}` is not run by any "
                                f"file under {', '.join(t + '/' for t in RUNNING_TREES)}")
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{count} documented commands, {len(failures)} not run by any script or test")
    return 1 if failures or count == 0 else 0


def sql_statements(root):
    """(doc, line, statement) of every statement in the ```sql blocks of the docs."""
    statements = []
    for doc in doc_files(root):
        for lang, start, body in fenced_blocks(doc):
            if lang != "sql":
                continue
            text, first = "", None
            for offset, raw in enumerate(body):
                line = re.sub(r"--.*", "", raw).strip()
                if not line:
                    continue
                first = first or start + offset
                text += " " + line
                if text.rstrip().endswith(";"):
                    statements.append((os.path.relpath(doc, root), first, text.strip()))
                    text, first = "", None
            if text.strip():
                statements.append((os.path.relpath(doc, root), first, text.strip()))
    return statements


# One search of 12 evaluations with a population of 5 (aging evolution): individual k
# is evaluated at step k, ages out at step k + 5 and is the child of individual k - 3.
FIXTURE = """
INSERT INTO searches (name, spec_text, strategy, seed, budget, state, births, evaluations_done)
VALUES ('docs fixture', '', 'aging_evolution', 1, 12, 'succeeded', 12, 12);
INSERT INTO individuals (search_id, birth_order, genome, genome_hash, parent_id, mutation, seed, state,
                         fitness, alive, evaluated_order, aged_out_at)
SELECT 1, k - 1, 'genome ' || k, 'hash ' || k, CASE WHEN k > 5 THEN k - 3 END,
       CASE WHEN k > 5 THEN 'op mutation' ELSE 'random' END, k, 'evaluated', 0.5 + k / 100.0,
       k > 7, k, CASE WHEN k + 5 <= 12 THEN k + 5 END
FROM generate_series(1, 12) AS k ORDER BY k;
"""


def psql(dsn, *args, stdin=None):
    return subprocess.run(["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", *args], input=stdin,
                          capture_output=True, text=True)


def check_sql(root, admin_dsn):
    statements = sql_statements(root)
    if not statements:
        print("no SQL in the docs", file=sys.stderr)
        return 1
    name = "docs_sql_" + uuid.uuid4().hex[:12]
    created = psql(admin_dsn, "-c", f"CREATE DATABASE {name}")
    if created.returncode != 0:
        print(f"cannot create a database: {created.stderr}", file=sys.stderr)
        return 1
    dsn = f"{admin_dsn} dbname={name}"
    failures = []
    try:
        for migration in sorted(glob.glob(os.path.join(root, "controller/store/migrations/*.sql"))):
            r = psql(dsn, "-f", migration)
            if r.returncode != 0:
                print(f"{migration}: {r.stderr}", file=sys.stderr)
                return 1
        r = psql(dsn, stdin=FIXTURE)
        if r.returncode != 0:
            print(f"fixture: {r.stderr}", file=sys.stderr)
            return 1
        for doc, line, statement in statements:
            r = psql(dsn, "-At", "-c", statement)
            rows = [l for l in r.stdout.splitlines() if l.strip()]
            if r.returncode != 0:
                failures.append(f"{doc}:{line}: `{statement}` fails: {r.stderr.strip()}")
            elif not rows:
                failures.append(f"{doc}:{line}: `{statement}` returns no rows on the fixture search")
            else:
                print(f"{doc}:{line}: {len(rows)} row(s): {statement}")
    finally:
        psql(admin_dsn, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{len(statements)} documented SQL statements, {len(failures)} failed")
    return 1 if failures else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "commands":
        return check_commands(sys.argv[2])
    if len(sys.argv) >= 4 and sys.argv[1] == "sql":
        return check_sql(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
