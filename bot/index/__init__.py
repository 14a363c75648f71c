"""The index, built once and loaded on start: the model and its ONNX export, the vectors (exact and
approximate), BM25, word frequencies, and the files they are saved in."""
