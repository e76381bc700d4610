"""Installing works offline with Debian's packages alone and
generates the stubs at build time: built from a copy of python/ and proto/
without any generated file, the installed package imports and has them."""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# docs/python.md's install commands, run as they are shown there.
VENV_INSTALL = """
/usr/bin/python3 -m venv --system-site-packages .venv
.venv/bin/pip install --no-build-isolation --no-index ./python
"""
IN_PLACE = "/usr/bin/python3 python/build_stubs.py"


def copy_sources(tmp_path):
    """A plain, writable copy of python/ (without generated stubs) and proto/;
    copytree follows the runfiles tree's symlinks."""
    source = tmp_path / "src"
    shutil.copytree(os.path.join(ROOT, "python"), source / "python",
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    shutil.rmtree(source / "python" / "nas_client" / "proto", ignore_errors=True)
    (source / "proto").mkdir()
    for name in ["search.proto", "search_service.proto", "worker_service.proto"]:
        shutil.copy(os.path.join(ROOT, "proto", name), source / "proto" / name)
    return source


CHECK = ("import nas_client; "
         "print(nas_client.__file__); "
         "print(nas_client.service_pb2.CreateSearchRequest(request_id='x').request_id); "
         "print(nas_client.search_pb2.SearchSpec.DESCRIPTOR.file.name)")


def test_pip_install_into_a_venv_generates_the_stubs(tmp_path):
    source = copy_sources(tmp_path)
    install = subprocess.run(["bash", "-euc", VENV_INSTALL], cwd=source, capture_output=True,
                             text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    site = subprocess.run([".venv/bin/python", "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"], cwd=source,
                          capture_output=True, text=True).stdout.strip()
    assert "__init__.py" in os.listdir(os.path.join(site, "nas_client", "proto"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    check = subprocess.run([str(source / ".venv" / "bin" / "python"), "-c", CHECK],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines() == [os.path.join(site, "nas_client", "__init__.py"), "x",
                                         "proto/search.proto"]


def test_build_stubs_in_place(tmp_path):
    source = copy_sources(tmp_path)
    built = subprocess.run(["bash", "-euc", IN_PLACE], cwd=source, capture_output=True,
                           text=True)
    assert built.returncode == 0, built.stderr
    check = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path,
                           env=dict(os.environ, PYTHONPATH=str(source / "python")),
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines()[1:] == ["x", "proto/search.proto"]
    assert check.stdout.splitlines()[0] == str(source / "python" / "nas_client" / "__init__.py")
