"""The fine-tuned path: LoRA training on the user's GGUF model on a CPU, and its GGUF adapter for llama.cpp.

Qt-free. Training runs in its own process (train_process) that the parent side (job) starts and listens to; the
heavy libraries (torch, transformers, peft, gguf) are imported only inside that process and the converter.
"""
