#!/usr/bin/env python3
"""Golden coefficients and LC win rates for prefloop's length-controlled GLM, from scikit-learn.

Builds alpaca_eval's length_controlled_v1 design matrices from the shared annotations (tanh of the
standardised length difference, instruction difficulty, not-gamed indicator; the two gamed baselines'
rows weighted 0.2/2 with soft labels from their published coefficients), then runs upstream's
fit_LogisticRegressionCV by hand (sklearn 1.2 has no metadata routing): rows duplicated with label 1
(weight s*p) and 0 (weight s*(1-p)), GroupKFold(5), Cs = logspace(-4, 4, 10), liblinear L1, the
soft-label log-loss scorer, refit at the best C. The difficulty vector is a simple stand-in
(logit of the mean preference over the shared models), stored in the output so tests need no Python.
Usage: /usr/bin/python3 scripts/reference/lc_ref.py --data ../shared/data/alpaca_eval --out test/golden/eval/lc_sklearn.json
"""
import argparse
import csv
import json
import math
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

MODELS = ["alpaca-7b", "claude-2.1", "gpt-3.5-turbo-1106", "gpt-3.5-turbo-1106_concise",
          "gpt-3.5-turbo-1106_verbose", "OpenHermes-2.5-Mistral-7B"]
GAMED = ["gpt4_1106_preview_verbose", "gpt4_1106_preview_concise"]
WEIGHTS = "leaderboards/src__alpaca_eval__metrics__weights__weighted_alpaca_eval_gpt4_turbo__length_controlled_v1__baseline_gpt4_1106_preview.csv"


def tanh_std_delta(out1, out2):
    delta = np.array([len(a) - len(b) for a, b in zip(out1, out2)], dtype=float)
    return np.tanh(delta / delta.std(ddof=1))


def fit_cv(X, y, sw, tol):
    n = len(y)
    groups = np.concatenate([np.arange(n), np.arange(n)])
    Xd = np.concatenate([X, X])
    yd = np.concatenate([np.ones(n), np.zeros(n)])
    true_prob = np.concatenate([y, 1 - y])
    true_sw = np.concatenate([sw, sw])
    weight = true_prob * true_sw
    cs = np.logspace(-4, 4, 10)
    scores = np.zeros((5, len(cs)))
    for f, (tr, te) in enumerate(GroupKFold(n_splits=5).split(Xd, yd, groups)):
        for k, c in enumerate(cs):
            m = LogisticRegression(C=c, penalty="l1", solver="liblinear", fit_intercept=False,
                                   random_state=123, tol=tol, max_iter=10000)
            m.fit(Xd[tr], yd[tr], sample_weight=weight[tr])
            p = np.clip(m.predict_proba(Xd[te])[:, 1], 1e-15, 1 - 1e-15)
            t = np.where(yd[te] == 1, true_prob[te], 1 - true_prob[te])
            scores[f, k] = np.mean(true_sw[te] * (t * np.log(p) + (1 - t) * np.log(1 - p)))
    best = int(scores.sum(axis=0).argmax())
    m = LogisticRegression(C=cs[best], penalty="l1", solver="liblinear", fit_intercept=False,
                           random_state=123, tol=tol, max_iter=10000)
    m.fit(Xd, yd, sample_weight=weight)
    return m.coef_[0], float(cs[best]), (-scores.mean(axis=0)).tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/alpaca_eval"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    load = lambda p: json.load(open(os.path.join(args.data, p)))
    ann = {m: load(f"results/{m}/weighted_alpaca_eval_gpt4_turbo/annotations.json") for m in MODELS}
    ref = [r["output"] for r in load("results/gpt4_1106_preview/model_outputs.json")]
    with open(os.path.join(args.data, WEIGHTS)) as f:
        coefs = {r[""]: [float(r[c]) for c in list(r)[1:]] for r in csv.DictReader(f)}

    mean_pref = np.mean([[r["preference"] - 1 for r in ann[m]] for m in MODELS], axis=0)
    difficulty = np.log(np.clip(mean_pref, 0.02, 0.98) / (1 - np.clip(mean_pref, 0.02, 0.98)))

    gamed_rows = []
    for g in GAMED:
        out = [r["output"] for r in load(f"results/{g}/model_outputs.json")]
        t = tanh_std_delta(ref, out)
        a, b, c = coefs[g]
        y = 1 / (1 + np.exp(-(a * t + b * difficulty + c)))
        gamed_rows.append(np.stack([t, difficulty, np.zeros_like(t), y], axis=1))
    gamed = np.concatenate(gamed_rows)

    cases = []
    for m in MODELS:
        rows = ann[m]
        t = tanh_std_delta([r["output_1"] for r in rows], [r["output_2"] for r in rows])
        y = np.array([r["preference"] - 1 for r in rows])
        own = np.stack([t, difficulty, np.ones_like(t), y], axis=1)
        for variant, lam in [("noreg", None), ("v1", 0.2)]:
            data = own if lam is None else np.concatenate([gamed, own])
            sw = np.ones(len(own)) if lam is None else np.concatenate([np.full(len(gamed), lam / 2), np.ones(len(own))])
            X, yy = data[:, :3], data[:, 3]
            case = {"model": m, "variant": variant, "n": len(yy), "column_sums": X.sum(axis=0).tolist(),
                    "label_sum": float(yy.sum()), "weight_sum": float(sw.sum())}
            for name, tol in [("liblinear", 1e-4), ("exact", 1e-12)]:
                coef, best_c, cv_loss = fit_cv(X, yy, sw, tol)
                p = 1 / (1 + np.exp(-(coef[1] * difficulty + coef[2])))
                case[name] = {"coef": coef.tolist(), "best_c": best_c, "cv_loss": cv_loss,
                              "lc": float(p.mean() * 100), "lc_se": float(p.std(ddof=1) / math.sqrt(len(p)) * 100)}
            cases.append(case)
            print(m, variant, case["exact"]["coef"], case["exact"]["lc"], case["liblinear"]["lc"])
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "difficulty": difficulty.tolist(), "cases": cases}
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
