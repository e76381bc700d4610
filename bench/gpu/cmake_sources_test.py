#!/usr/bin/python3
"""The GPU check's CMake build compiles what Bazel links into the benchmarks.

  cmake_sources_test.py CMAKELISTS SOURCES LIBRARIES

SOURCES is a genquery of the source files the three benchmark binaries depend
on; every .cc among them must be in bench/gpu/CMakeLists.txt and every .cc
CMakeLists.txt names must be among them. LIBRARIES is a genquery of the
//third_party libraries they depend on; each must be one CMakeLists.txt
handles (its "third_party:" comment line). A source file or a system library
added to the trainer, the supernet or the data readers would otherwise break
the build on the GPU machine only, where time is short.
"""
import re
import sys


def main():
    cmakelists, sources, libraries = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(cmakelists) as f:
        text = f.read()
    cmake = set(re.findall(r"\$\{NAS_ROOT\}/([\w/]+\.cc)", text))
    for entry in re.findall(r'"\w+:([\w/.;]+)"', text):
        cmake.update(p for p in entry.split(";") if p.endswith(".cc"))
    bazel = set()
    with open(sources) as f:
        for line in f:
            m = re.fullmatch(r"//([\w/]*):([\w/.]+\.cc)", line.strip())
            if m:
                bazel.add(f"{m.group(1)}/{m.group(2)}" if m.group(1) else m.group(2))
    handled = re.search(r"^# third_party: (.*)$", text, re.M)
    handled = set(handled.group(1).split()) if handled else set()
    with open(libraries) as f:
        needed = {line.strip().split(":")[1] for line in f if line.strip()}
    for lib in sorted(needed - handled):
        print(f"bench/gpu/CMakeLists.txt does not link //third_party:{lib}, which a benchmark needs")
    missing, extra = sorted(bazel - cmake), sorted(cmake - bazel)
    for path in missing:
        print(f"bench/gpu/CMakeLists.txt lacks {path}, which Bazel links into a benchmark")
    for path in extra:
        print(f"bench/gpu/CMakeLists.txt compiles {path}, which no benchmark depends on in Bazel")
    print(f"{len(bazel)} sources in Bazel, {len(cmake)} in CMakeLists.txt")
    return 1 if missing or extra or not bazel or needed - handled or not needed else 0


if __name__ == "__main__":
    sys.exit(main())
