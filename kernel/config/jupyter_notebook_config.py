# The project's Jupyter configuration (found through JUPYTER_CONFIG_PATH, set by `mathagent notebook`).


def add_missing_cell_ids(model, **kwargs):
    """Give every cell an id before the notebook is signed and saved.

    Notebook 6.4 signs the notebook first and nbformat >= 5.5 adds missing cell ids while writing
    it, so a notebook with a new cell was saved with a signature of other content: "Not Trusted"
    on reload, and its charts gone. Adding the ids here makes the signed and the saved notebook one.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    import uuid

    nb = model["content"]
    cells = nb.get("cells", [])
    if nb.get("nbformat") == 4 and nb.get("nbformat_minor", 0) < 5:
        nb["nbformat_minor"] = 5
    taken = {c.get("id") for c in cells}
    for cell in cells:
        if not cell.get("id"):
            new = uuid.uuid4().hex[:8]
            while new in taken:
                new = uuid.uuid4().hex[:8]
            cell["id"] = new
            taken.add(new)


c = get_config()  # noqa: F821 (defined by Jupyter when it loads this file)
c.FileContentsManager.pre_save_hook = add_missing_cell_ids
