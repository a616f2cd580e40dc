// What tslab 1.0.22 leaves out of the Jupyter protocol: the `execute_input` message (it carries the
// execution count; without it nbconvert and nbclient leave cells unnumbered) and the ename / evalue /
// traceback of an error reply (nbconvert printed "<Error>: " with nothing after it). Output written
// by a cell after it was interrupted is dropped instead of landing in a later cell.
"use strict";
const { inInterruptedCell } = require("./cell-context.cjs");

function patchProtocol(jupyter) {
  const server = jupyter.ZmqServer.prototype;
  const handler = jupyter.JupyterHandlerImpl.prototype;

  const serverExecute = server.handleExecute;
  server.handleExecute = function (sock, msg) {
    const publish = (type, content) => {
      const m = msg.createReply();
      m.header.msg_type = type;
      m.content = content;
      m.signAndSend(this.connInfo.key, this.iopub);
    };
    Object.defineProperty(msg.content, "publish", { value: publish, enumerable: false });
    return serverExecute.call(this, sock, msg);
  };

  // tslab numbers the cell synchronously when it starts (before its first await), so the count it
  // will use is the current one plus one.
  const executeImpl = handler.handleExecuteImpl;
  handler.handleExecuteImpl = function (req, writeStream, writeDisplayData) {
    req.publish?.("execute_input", { code: req.code, execution_count: this.execCount + 1 });
    return executeImpl.call(this, req, writeStream, writeDisplayData);
  };

  const handleExecute = handler.handleExecute;
  handler.handleExecute = async function (req, writeStream, writeDisplayData) {
    const reply = await handleExecute.call(this, req, writeStream, writeDisplayData);
    if (reply.status !== "error") return reply;
    const fields = this.executor.takeError?.() ?? { ename: "Error", evalue: "the cell failed (see its output)", traceback: [] };
    return { ...reply, ...fields };
  };

  const createWrite = handler.createWriteToIopub;
  handler.createWriteToIopub = function (name, writeStream) {
    const write = createWrite.call(this, name, writeStream);
    return (buffer, encoding) => (inInterruptedCell() ? true : write(buffer, encoding));
  };
}

module.exports = { patchProtocol };
