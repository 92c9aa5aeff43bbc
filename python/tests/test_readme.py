"""The README's notebook-style example, run as a doctest from the repository root."""

import doctest
import os

from conftest import ROOT


def test_readme_example_runs_as_shown():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\n>>> import pathlib, textwash")
    example = readme[start + len("```python\n") : readme.index("```\n", start + 10)]
    parser = doctest.DocTestParser()
    test = parser.get_doctest(example, {}, "README.md", str(ROOT / "README.md"), 0)
    assert len(test.examples) > 10
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        runner.run(test)
    finally:
        os.chdir(cwd)
    assert runner.failures == 0, f"{runner.failures} README example(s) failed (see above)"
