"""The PyTorch twin of the tiny policy for bench/train-speed.ts: the same architecture and weights
(read from a saved model directory), timed on the same three jobs, single-threaded.

  python3 bench/train-speed-twin.py MODEL_DIR '{"batch":16,"len":160,"steps":12,"prompt":[...],"decode":150,"seed":0}'

Prints one JSON line: stepMs and stepCpuMs (medians of the timed steps, wall and CPU), prefillMs, decodeTokS, greedy (the
decoded ids, to check against ours).
"""
import json, math, os, statistics, sys, time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def load(d):
    meta = json.load(open(os.path.join(d, "tiny-policy.json")))
    raw = torch.frombuffer(bytearray(open(os.path.join(d, "weights.bin"), "rb").read()), dtype=torch.float32)
    w = {}
    for t in meta["tensors"]:
        n = math.prod(t["shape"])
        w[t["name"]] = raw[t["offset"]:t["offset"] + n].clone().reshape(t["shape"])
    return meta["config"], w


def ln(x, g, b):
    return F.layer_norm(x, (x.shape[-1],), g, b, 1e-5)


def gelu(x):
    return x * torch.sigmoid(1.702 * x)


def forward(c, p, ids):
    """Logits [B,T,V] of ids [B,T] (training pass)."""
    B, T = ids.shape
    d, H = c["dModel"], c["nHeads"]
    dh = d // H
    x = p["wte"][ids] + p["wpe"][:T]
    mask = torch.full((T, T), float("-inf")).triu(1)
    for l in range(c["nLayers"]):
        P = f"h{l}."
        h = ln(x, p[P + "ln1_g"], p[P + "ln1_b"])
        q = (h @ p[P + "wq"] + p[P + "bq"]).view(B, T, H, dh).transpose(1, 2)
        k = (h @ p[P + "wk"] + p[P + "bk"]).view(B, T, H, dh).transpose(1, 2)
        v = (h @ p[P + "wv"] + p[P + "bv"]).view(B, T, H, dh).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + mask, -1) @ v
        x = x + a.transpose(1, 2).reshape(B, T, d) @ p[P + "wo"] + p[P + "bo"]
        h2 = ln(x, p[P + "ln2_g"], p[P + "ln2_b"])
        x = x + gelu(h2 @ p[P + "w1"] + p[P + "b1"]) @ p[P + "w2"] + p[P + "b2"]
    return ln(x, p["lnf_g"], p["lnf_b"]) @ p["wout"] + p["bout"]


def train_steps(c, w, o):
    p = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    opt = torch.optim.Adam(p.values(), lr=1e-4)
    g = torch.Generator().manual_seed(o["seed"])
    ids = torch.randint(4, c["vocabSize"], (o["batch"], o["len"]), generator=g)
    labels = torch.roll(ids, -1, 1)
    times, cpu = [], []
    for _ in range(o["steps"]):
        t0 = time.perf_counter()
        c0 = time.process_time()
        opt.zero_grad()
        lp = torch.log_softmax(forward(c, p, ids), -1).gather(-1, labels[..., None])[..., 0]
        loss = -lp.mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(p.values(), 1.0)
        opt.step()
        loss.item()
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return statistics.median(times[2:]), statistics.median(cpu[2:])


class Cache:
    def __init__(self, c):
        L, M, d = c["nLayers"], c["maxLen"], c["dModel"]
        self.k = torch.zeros(L, M, d)
        self.v = torch.zeros(L, M, d)
        self.n = 0


@torch.no_grad()
def read(c, p, cache, ids):
    """Read ids [n] at positions cache.n…, append keys/values; logits of the last one."""
    n = len(ids)
    d, H = c["dModel"], c["nHeads"]
    dh = d // H
    s = cache.n
    t = s + n
    x = p["wte"][ids] + p["wpe"][s:t]
    mask = torch.full((n, t), float("-inf")).triu(s + 1) if n > 1 else None
    for l in range(c["nLayers"]):
        P = f"h{l}."
        h = ln(x, p[P + "ln1_g"], p[P + "ln1_b"])
        cache.k[l, s:t] = h @ p[P + "wk"] + p[P + "bk"]
        cache.v[l, s:t] = h @ p[P + "wv"] + p[P + "bv"]
        q = (h @ p[P + "wq"] + p[P + "bq"]).view(n, H, dh).transpose(0, 1)
        k = cache.k[l, :t].view(t, H, dh).transpose(0, 1)
        v = cache.v[l, :t].view(t, H, dh).transpose(0, 1)
        sc = q @ k.transpose(-1, -2) / math.sqrt(dh)
        a = torch.softmax(sc if mask is None else sc + mask, -1) @ v
        x = x + a.transpose(0, 1).reshape(n, d) @ p[P + "wo"] + p[P + "bo"]
        h2 = ln(x, p[P + "ln2_g"], p[P + "ln2_b"])
        x = x + gelu(h2 @ p[P + "w1"] + p[P + "b1"]) @ p[P + "w2"] + p[P + "b2"]
    cache.n = t
    return ln(x[-1], p["lnf_g"], p["lnf_b"]) @ p["wout"] + p["bout"]


def prefill_ms(c, w, prompt, reps=200):
    ids = torch.tensor(prompt)
    for _ in range(20):
        read(c, w, Cache(c), ids)
    ts = []
    for _ in range(reps):
        cache = Cache(c)
        t0 = time.perf_counter()
        read(c, w, cache, ids)
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


def decode(c, w, prompt, n):
    cache = Cache(c)
    lg = read(c, w, cache, torch.tensor(prompt))
    out = []
    t0 = time.perf_counter()
    for _ in range(n):
        tok = int(torch.argmax(lg))
        out.append(tok)
        lg = read(c, w, cache, torch.tensor([tok]))
    return n / (time.perf_counter() - t0), out


def main():
    c, w = load(sys.argv[1])
    o = json.loads(sys.argv[2])
    step, step_cpu = train_steps(c, w, o)
    pre = prefill_ms(c, w, o["prompt"])
    decode(c, w, o["prompt"], 20)
    rates = [decode(c, w, o["prompt"], o["decode"]) for _ in range(5)]
    print(json.dumps({"torch": torch.__version__, "stepMs": step, "stepCpuMs": step_cpu, "prefillMs": pre, "decodeTokS": statistics.median(r[0] for r in rates), "greedy": rates[0][1]}))


main()
