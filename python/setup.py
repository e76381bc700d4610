"""Builds nas_client, generating its gRPC stubs from ../proto at build time
(build_stubs.py), so that no generated file is ever committed:

  pip install --no-build-isolation ./python

(the build needs Debian's python3-grpc-tools and python3-setuptools and
nothing from PyPI). NAS_PROTO_ROOT names the folder holding proto/ when the
package is built from elsewhere than the repository.
"""
import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildPyWithStubs(build_py):
    """build_py, then the stubs into the build tree beside nas_client's sources."""

    def run(self):
        super().run()
        sys.path.insert(0, HERE)
        import build_stubs

        proto_root = os.environ.get("NAS_PROTO_ROOT", os.path.dirname(HERE))
        build_stubs.generate(proto_root, self.build_lib)


setup(cmdclass={"build_py": BuildPyWithStubs})
