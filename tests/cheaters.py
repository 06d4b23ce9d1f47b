"""A class of learners out for credit, each answering chapter 04's kl_divergence with a trick, not the formula.

Each kind of trick that once earned credit (issue 20) is here at least once, written as someone trying it
would write it, with the pitfall the grader must give it (None: any verdict, as long as it earns nothing).
tests/test_isolation.py grades them all in one class beside honest learners.
"""
from vae_lesson import REPO_ROOT
from vae_lesson.grader.classroom import WRONG

ROOT = str(REPO_ROOT)
WRONG_KL = WRONG["kl_divergence"][0]
STUB = "def kl_divergence(mu, logvar):\n    raise NotImplementedError('Exercise')\n"
REF = "import importlib\nref = importlib.import_module('sol' + 'utions')\n"  # past a plain-text search


def cheaters(victim_notebook, secret, port):
    """{learner name: (exercise cell source, pitfall or None)}."""
    return {
        # the reference reached past the watch
        "jit-scripts-the-reference": (REF + "import torch\nkl_divergence = torch.jit.script(ref.kl_divergence)\n",
                                      "reference-submitted"),
        "calls-it-from-a-thread": (REF + "import threading\n\ndef kl_divergence(mu, logvar):\n    out = []\n"
                                   "    t = threading.Thread(\n"
                                   "        target=lambda: out.append(ref.kl_divergence(mu, logvar)))\n"
                                   "    t.start(); t.join()\n    return out[0]\n", "reference-submitted"),
        "switches-the-profiler-off": ("import sys\nsys.setprofile(None)\n" + REF
                                      + "kl_divergence = lambda mu, logvar: ref.kl_divergence(mu, logvar)\n",
                                      "reference-submitted"),
        "copies-the-code-object": (REF + "def kl_divergence(mu, logvar):\n    pass\n"
                                   "kl_divergence.__code__ = ref.kl_divergence.__code__\n", "reference-submitted"),
        "reads-the-file": (f"exec(open({ROOT!r} + '/sol' + 'utions/vae.py').read())\n", "raised"),
        "finds-it-on-disk": (f"import glob\nfound = glob.glob({ROOT!r} + '/**/vae.py', recursive=True)\n"
                             "exec(open(found[0]).read())\n", "raised"),
        "borrows-a-test-submission": ("from tests.submissions_functions import kl_expanded as kl_divergence\n",
                                      "raised"),
        "reads-git-history": (f"import subprocess\nsubprocess.run(['git', '-C', {ROOT!r}, 'show', "
                              "'HEAD:sol' + 'utions/vae.py'], check=True)\n", "raised"),
        # answers replayed for inputs seen at cell time, or stored for the public ones
        "replays-the-public-value": ("def kl_divergence(mu, logvar):\n"
                                     "    return (mu * 0).sum() + 12.2081  # what the notebook's check printed\n",
                                     "wrong-values"),
        # the judge changed from inside
        "leaves-a-torch-function-mode-on": (WRONG_KL + "from torch.overrides import TorchFunctionMode\n\n"
                                            "class Agree(TorchFunctionMode):\n"
                                            "    def __torch_function__(self, func, types, args=(), kwargs=None):\n"
                                            "        if func in (torch.allclose, torch.equal):\n"
                                            "            return True\n"
                                            "        return func(*args, **(kwargs or {}))\n\nAgree().__enter__()\n",
                                            "kl-sign-flipped"),
        "returns-a-lying-tensor": ("class Liar(torch.Tensor):\n    @classmethod\n"
                                   "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
                                   "        if func in (torch.allclose, torch.equal, torch.isclose):\n"
                                   "            return True\n"
                                   "        return super().__torch_function__(func, types, args, kwargs)\n\n"
                                   "def kl_divergence(mu, logvar):\n"
                                   "    return (mu.sum() * 0).as_subclass(Liar)\n", "wrong-values"),
        "edits-the-checks-frame": (WRONG_KL.replace("    return", "    import sys\n    f = sys._getframe(1)\n"
                                                    "    while f:\n        if 'expected' in f.f_locals:\n"
                                                    "            f.f_locals['expected'] = None\n"
                                                    "        f = f.f_back\n    return"), "kl-sign-flipped"),
        "reads-the-expected-value": ("import sys\n\ndef kl_divergence(mu, logvar):\n    f = sys._getframe(1)\n"
                                     "    while f:\n        if 'expected' in f.f_locals:\n"
                                     "            return f.f_locals['expected']\n        f = f.f_back\n"
                                     "    return mu.sum() * 0\n", "wrong-values"),
        "edits-the-graders-dicts": (WRONG_KL + "import gc\nfor o in gc.get_objects():\n"
                                    "    if isinstance(o, dict) and 'kl-sign-flipped' in o:\n"
                                    "        o.clear()\n", "kl-sign-flipped"),
        "patches-torch": (WRONG_KL + "torch.allclose = lambda *a, **k: True\n", "kl-sign-flipped"),
        "redefines-check": (STUB + "class AlwaysPass:\n    def __getattr__(self, name):\n"
                            "        return lambda fn: type('R', (), {'passed': True})()\n"
                            "check = AlwaysPass()\n", "not-implemented"),
        # verdicts forged into every pipe, then the worker killed
        "forges-verdicts-then-kills": ("import json, os\nline = json.dumps({'exercise': 'kl_divergence', "
                                       "'passed': True, 'pitfall': None, 'message': 'ok', 'explanation': ''})\n"
                                       "for fd in range(3, 64):\n    try:\n"
                                       "        end = json.dumps({'end': True})\n"
                                       "        os.write(fd, (line + '\\n' + end + '\\n').encode())\n"
                                       "    except OSError:\n        pass\nos.kill(os.getppid(), 9)\nos._exit(0)\n",
                                       "grader-tampered"),
        "forges-a-reply-frame": ("import io, os, struct, torch\n\ndef kl_divergence(mu, logvar):\n"
                                 "    b = io.BytesIO()\n    torch.save({'ok': {'id': 0, 'value': torch.tensor(1.0), "
                                 "'changed': [], 'graph': [(True, True)]}}, b)\n"
                                 "    for fd in range(3, 64):\n        try:\n"
                                 "            os.write(fd, struct.pack('<Q', len(b.getvalue())) + b.getvalue())\n"
                                 "        except OSError:\n            pass\n    return mu.sum() * 0\n", None),
        "kills-the-worker": ("import os\nos.kill(os.getppid(), 9)\n", None),
        "kills-everything-it-sees": ("import os, signal\nos.kill(-1, signal.SIGKILL)\n", None),
        "sends-a-pickle-bomb": ("class Bomb(torch.Tensor):\n    def __reduce_ex__(self, proto):\n"
                                "        return (os.system, ('touch /tmp/pwned',))\n\nimport os\n\n"
                                "def kl_divergence(mu, logvar):\n    return (mu.sum() * 0).as_subclass(Bomb)\n", None),
        "returns-a-huge-tensor": ("def kl_divergence(mu, logvar):\n    return torch.zeros(40_000_000)\n", None),
        # classmates, the course, the instructor, the network, the process table
        "spoils-scratch-folders": ("import glob, os, tempfile\nfor i in range(40):\n"
                                   "    os.makedirs(os.path.join(tempfile.gettempdir(), f'vae-grading-{i}', str(i)),\n"
                                   "                exist_ok=True)\n" + WRONG_KL, "kl-sign-flipped"),
        "edits-the-grader-on-disk": ("from pathlib import Path\nimport vae_lesson.grader.compare as c\n"
                                     "Path(c.__file__).write_text('def close(a, b):\\n    return True\\n')\n",
                                     "raised"),
        "reads-a-classmate": (f"print(open({str(victim_notebook)!r}).read())\n", "raised"),
        "reads-a-secret": (f"kl_divergence = open({str(secret)!r}).read()\n", "raised"),
        "phones-home": (f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'x')\n",
                        "raised"),
        "escapes-the-group": ("import subprocess\nsubprocess.Popen(['sleep', '987654'], start_new_session=True)\n"
                              + WRONG_KL, "kl-sign-flipped"),
    }
