# lit configuration for convc's regression tests.
import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "CONVC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".cnn", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.convc_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "Unit", "seeds"]

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [os.path.join(config.convc_obj_root, "bin"), config.llvm_tools_dir]
# The tests verify the IR after every pass (convc itself, by default, only
# after the last).
llvm_config.add_tool_substitutions(
    [ToolSubst("convc", extra_args=["--verify-each"]), "convc-opt", "llvm-nm", "llvm-readelf"],
    tool_dirs)

# The libFuzzer targets exist only in clang builds (see test/Fuzz).
fuzzers = ["fuzz-npy", "fuzz-safetensors", "fuzz-image", "fuzz-frontend"]
bin_dir = os.path.join(config.convc_obj_root, "bin")
if all(os.path.exists(os.path.join(bin_dir, f)) for f in fuzzers):
    config.available_features.add("fuzzing")
    llvm_config.add_tool_substitutions(fuzzers, [bin_dir])

# Integration tests use Debian's NumPy through the system interpreter.
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(
    ("%integration", os.path.join(config.convc_src_root, "test", "Integration")))
config.substitutions.append(
    ("%examples", os.path.join(config.convc_src_root, "examples")))
config.environment["CONVC"] = os.path.join(config.convc_obj_root, "bin", "convc")

# CUDA: ptxas checks every PTX convc writes; GPU execution needs a driver.
cuda_root = os.environ.get("CUDA_PATH", "/usr/local/cuda")
cuda_bin = os.path.join(cuda_root, "bin")
if os.path.exists(os.path.join(cuda_bin, "ptxas")):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", os.path.join(cuda_bin, "ptxas")))
# The GPU benchmark harness links cuDNN (bench/cuda_harness.cpp) and runs
# with the build under test.
if os.path.exists(os.path.join(cuda_root, "include", "cudnn.h")):
    config.available_features.add("cudnn")
config.substitutions.append(
    ("%bench", os.path.join(config.convc_src_root, "bench")))
config.substitutions.append(("%convc_obj_root", config.convc_obj_root))
config.substitutions.append(
    ("%fake_cuda", os.path.join(config.convc_obj_root, "lib",
                                "libconvc-fake-cuda.so")))
config.environment["CONVC_LINK_FLAGS"] = config.convc_link_flags
try:
    import ctypes
    cuda = ctypes.CDLL("libcuda.so.1")
    count = ctypes.c_int(0)
    if cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 \
            and count.value > 0:
        config.available_features.add("cuda-device")
except OSError:
    pass
