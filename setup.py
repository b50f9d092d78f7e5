"""Builds locality._core with CMake (pybind11 and the toolchain from Debian,
no network) when pip installs the package. Metadata is in pyproject.toml."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    """Configures the project's CMake tree (build/, shared with bench_all and
    the tests) for this Python, builds the _core target, copies it in."""

    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(os.environ.get("LOCALITY_BUILD", ROOT / "build"))
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                        f"-DPython3_EXECUTABLE={sys.executable}"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_core", "--parallel",
                        str(os.cpu_count() or 1)], check=True)
        built = sorted(build_dir.glob("_core*.so"))
        if not built:
            raise RuntimeError(f"CMake built no _core module in {build_dir}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[0], target)


setup(
    ext_modules=[Extension("locality._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": str(Path("build") / "setuptools")}},
)
