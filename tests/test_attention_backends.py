"""The attention backends: xformers 0.0.35's extensions load on the pinned torch, its memory-efficient
kernels are CUDA-only, and audiocraft's ``torch`` backend (the default) runs on CPU."""
import subprocess
import sys

import pytest
import torch


def test_xformers_ops_import_without_extension_warning():
    code = "import warnings; warnings.simplefilter('always'); import xformers.ops; print(xformers.ops.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "xformers.ops"
    assert "can't load" not in out.stderr and "C++/CUDA extensions" not in out.stderr


def test_xformers_memory_efficient_attention_is_cuda_only():
    from xformers.ops import fmha, memory_efficient_attention
    ops = [getattr(fmha, name).FwOp for name in ("cutlass", "flash", "ck", "triton_splitk") if hasattr(fmha, name)]
    assert ops and all(op.SUPPORTED_DEVICES == {"cuda"} for op in ops)
    q = torch.randn(1, 4, 2, 8)
    with pytest.raises(NotImplementedError):
        memory_efficient_attention(q, q, q)


def test_torch_backend_attention_runs_on_cpu():
    from audiocraft.modules.transformer import StreamingMultiheadAttention, set_efficient_attention_backend
    set_efficient_attention_backend("torch")
    torch.manual_seed(0)
    efficient = StreamingMultiheadAttention(16, 4, causal=True, memory_efficient=True)
    plain = StreamingMultiheadAttention(16, 4, causal=True, memory_efficient=False)
    plain.load_state_dict(efficient.state_dict())
    x = torch.randn(2, 5, 16)
    assert torch.allclose(efficient(x, x, x)[0], plain(x, x, x)[0], atol=1e-5)
