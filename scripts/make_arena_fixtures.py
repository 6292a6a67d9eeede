"""Expected ratings for TallyArena's tests, computed independently from Chatbot Arena's published formulas.

Writes, under Tests/TallyArenaTests/Fixtures/:
  battles.jsonl  a few hundred seeded battles among five models, in Chatbot Arena's JSON-lines form
                 (model_a, model_b, winner, judge, anony, tstamp; a few lines carry extra fields, as
                 public logs do), with ties and "tie (bothbad)";
  expected.json  what the published formulas give on them:
    elo          online Elo in file order: K = 4, scale 400, base 10, initial 1000,
                 E_a = 1 / (1 + 10^((R_b - R_a) / 400)), R_a += K (S_a - E_a), R_b += K (1 - S_a - E_b),
                 S_a = 1 for a win, 0 for a loss, 0.5 for either kind of tie;
    bt           Bradley-Terry maximum likelihood as Chatbot Arena's MLE Elo: P(a beats b) =
                 1 / (1 + BASE^(theta_b - theta_a)), i.e. a logistic regression without intercept or penalty
                 on features +ln(BASE) for model a and -ln(BASE) for model b, every battle twice, a tie once as
                 a win for a and once for b (so half a win each way); rating = SCALE * theta + INIT with
                 SCALE 400, BASE 10, INIT 1000; theta is centred (mean 0), which is where their optimiser,
                 started at zero and moving along gradients that sum to zero, ends;
    bt_anchored  the same, shifted so that "charlie" rates 1114;
    battles      battles per model; win_rates {A: {B: (A's wins + ties / 2) / battles of A and B}};
    predicted    {A: {B: 1 / (1 + 10^((R_B - R_A) / 400))}} from the bt ratings.

The BT fit is done twice with different algorithms on the two equivalent forms of the likelihood: Newton's
method (iteratively reweighted least squares) on the duplicated-row logistic regression (their form), and
Hunter's (2004) minorize-maximize iteration on the pair counts with ties as half wins. The script checks that
they agree and writes the regression's.

    python3 scripts/make_arena_fixtures.py      # needs numpy only
"""
import json
import math
import os

import numpy as np

SCALE, BASE, INIT, K = 400.0, 10.0, 1000.0, 4.0
MODELS = ["alpha", "bravo", "charlie", "delta", "echo"]
TRUE = {"alpha": 1160.0, "bravo": 1090.0, "charlie": 1010.0, "delta": 960.0, "echo": 880.0}
JUDGES = ["oracle", "rm:rm", "human:ana", "human:ben"]
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "TallyArenaTests", "Fixtures")


def make_battles(count=360, seed=13):
    rng = np.random.default_rng(seed)
    battles = []
    for index in range(count):
        a, b = rng.choice(len(MODELS), size=2, replace=False)
        ma, mb = MODELS[a], MODELS[b]
        p = 1 / (1 + BASE ** ((TRUE[mb] - TRUE[ma]) / SCALE))
        u = rng.random()
        if u < 0.12:
            winner = "tie"
        elif u < 0.18:
            winner = "tie (bothbad)"
        else:
            winner = "model_a" if rng.random() < p else "model_b"
        battle = {
            "model_a": ma, "model_b": mb, "winner": winner,
            "judge": JUDGES[int(rng.integers(len(JUDGES)))], "anony": bool(rng.random() < 0.9),
            "tstamp": 1_700_000_000.0 + 37.25 * index,
        }
        if index % 50 == 7:  # public logs carry more fields; a reader ignores them
            battle["question_id"] = "q%04d" % index
            battle["conversation_a"] = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
        battles.append(battle)
    return battles


def online_elo(battles):
    rating = {}
    for battle in battles:
        ra = rating.setdefault(battle["model_a"], INIT)
        rb = rating.setdefault(battle["model_b"], INIT)
        ea = 1 / (1 + BASE ** ((rb - ra) / SCALE))
        eb = 1 / (1 + BASE ** ((ra - rb) / SCALE))
        sa = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}[battle["winner"]]
        rating[battle["model_a"]] = ra + K * (sa - ea)
        rating[battle["model_b"]] = rb + K * (1 - sa - eb)
    return rating


def bt_logistic_regression(battles, models):
    """Their form: rows doubled, features +-ln(BASE), a tie is one A win and one B win, no intercept, no penalty.

    Fitted by Newton's method (IRLS); the likelihood only fixes differences, so each step is the
    minimum-norm solution and theta stays centred.
    """
    index = {m: i for i, m in enumerate(models)}
    rows = battles + battles
    X = np.zeros((len(rows), len(models)))
    Y = np.zeros(len(rows))
    for r, battle in enumerate(rows):
        X[r, index[battle["model_a"]]] = +math.log(BASE)
        X[r, index[battle["model_b"]]] = -math.log(BASE)
        first_copy = r < len(battles)
        if battle["winner"] == "model_a" or (battle["winner"].startswith("tie") and first_copy):
            Y[r] = 1.0
    theta = np.zeros(len(models))
    for _ in range(100):
        p = 1 / (1 + np.exp(-(X @ theta)))
        gradient = X.T @ (Y - p)
        hessian = X.T @ (X * (p * (1 - p))[:, None])
        step = np.linalg.pinv(hessian, rcond=1e-12, hermitian=True) @ gradient
        theta = theta + step
        if np.max(np.abs(step)) < 1e-14:
            break
    return theta - theta.mean()


def bt_minorize_maximize(battles, models):
    """Tie-as-half likelihood on pair counts, Hunter's MM: gamma_i <- W_i / sum_j n_ij / (gamma_i + gamma_j)."""
    index = {m: i for i, m in enumerate(models)}
    n = np.zeros((len(models), len(models)))  # battles between i and j
    score = np.zeros(len(models))  # i's wins + ties / 2
    for battle in battles:
        a, b = index[battle["model_a"]], index[battle["model_b"]]
        sa = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}[battle["winner"]]
        n[a, b] += 1
        n[b, a] += 1
        score[a] += sa
        score[b] += 1 - sa
    gamma = np.ones(len(models))
    for _ in range(200000):
        updated = score / np.sum(n / (gamma[:, None] + gamma[None, :]), axis=1)
        updated /= np.exp(np.mean(np.log(updated)))
        change = np.max(np.abs(np.log(updated) - np.log(gamma)))
        gamma = updated
        if change < 1e-15:
            break
    theta = np.log(gamma) / math.log(BASE)  # P(i beats j) = gamma_i / (gamma_i + gamma_j) = 1 / (1 + BASE^(tj - ti))
    return theta - theta.mean()


def main():
    battles = make_battles()
    models = sorted({b["model_a"] for b in battles} | {b["model_b"] for b in battles})
    theta = bt_logistic_regression(battles, models)
    theta_mm = bt_minorize_maximize(battles, models)
    gap = float(np.max(np.abs(SCALE * (theta - theta_mm))))
    assert gap < 1e-6, "the regression and the MM iteration disagree by %g rating points" % gap
    bt = {m: SCALE * t + INIT for m, t in zip(models, theta)}
    shift = 1114.0 - bt["charlie"]
    counts = {m: sum(1 for b in battles if m in (b["model_a"], b["model_b"])) for m in models}
    win_rates = {}
    for a in models:
        for b in models:
            between = [x for x in battles if {x["model_a"], x["model_b"]} == {a, b}] if a != b else []
            if not between:
                continue
            score = 0.0
            for x in between:
                if x["winner"].startswith("tie"):
                    score += 0.5
                elif (x["winner"] == "model_a") == (x["model_a"] == a):
                    score += 1.0
            win_rates.setdefault(a, {})[b] = score / len(between)
    predicted = {a: {b: 1 / (1 + BASE ** ((bt[b] - bt[a]) / SCALE)) for b in models if b != a} for a in models}
    expected = {
        "models": models,
        "elo": online_elo(battles),
        "bt": bt,
        "bt_anchored": {"anchor": "charlie", "rating": 1114.0, "ratings": {m: r + shift for m, r in bt.items()}},
        "battles": counts,
        "win_rates": win_rates,
        "predicted": predicted,
        "regression_mm_gap": gap,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "battles.jsonl"), "w") as file:
        for battle in battles:
            file.write(json.dumps(battle) + "\n")
    with open(os.path.join(OUT, "expected.json"), "w") as file:
        json.dump(expected, file, indent=1, sort_keys=True)
        file.write("\n")
    print("%d battles; regression vs MM: %.2g rating points" % (len(battles), gap))
    for m in models:
        print("%-8s elo %8.3f  bt %8.3f  battles %d" % (m, expected["elo"][m], bt[m], counts[m]))


if __name__ == "__main__":
    main()
