"""tspipe's recurrent seq2seq forecaster written again in PyTorch, for
scripts/gen-rnn-fixtures (parity of the C code with torch) and
scripts/bench-rnn (the same architecture trained the same way).

Shape (lib/tsp_rnn.h): an encoder nn.GRU/nn.LSTM stack over `lookback`
steps of [value, missing flag, covariates...]; a decoder stack of the same
shape started from the encoder's final states, fed its own previous
forecast (missing flag 0) and the covariates of the time it forecasts; a
linear output on the top decoder state.  flat()/load_flat() give the
parameters in the order the C library keeps them.
"""
import torch
from torch import nn


class Seq2Seq(nn.Module):
    def __init__(self, cell, nin, hidden, layers, horizon):
        super().__init__()
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.enc = rnn(nin, hidden, layers)
        self.dec = rnn(nin, hidden, layers)
        self.out = nn.Linear(hidden, 1)
        self.horizon = horizon

    def forward(self, x, fcov):
        """x [L, B, nin], fcov [horizon, B, ncov] -> forecasts [horizon, B]"""
        _, st = self.enc(x)
        prev = x[-1, :, 0:2]
        preds = []
        for k in range(self.horizon):
            inp = torch.cat([prev, fcov[k]], dim=1).unsqueeze(0)
            o, st = self.dec(inp, st)
            p = self.out(o[0])
            preds.append(p[:, 0])
            prev = torch.cat([p, torch.zeros_like(p)], dim=1)
        return torch.stack(preds)

    def params_in_c_order(self):
        ps = []
        for m in (self.enc, self.dec):
            for l in range(m.num_layers):
                for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    ps.append(getattr(m, "%s_l%d" % (n, l)))
        ps += [self.out.weight, self.out.bias]
        return ps

    def flat(self):
        return torch.cat([p.detach().reshape(-1) for p in
                          self.params_in_c_order()])

    def load_flat(self, v):
        i = 0
        with torch.no_grad():
            for p in self.params_in_c_order():
                n = p.numel()
                p.copy_(v[i:i + n].reshape(p.shape))
                i += n
