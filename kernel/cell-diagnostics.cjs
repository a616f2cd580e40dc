// Parts copyright 2019 Yu Watanabe (tslab), under the Apache License 2.0: kernel/LICENSE-tslab. Modified.
// How tslab reports a cell's diagnostics, copied from tslab 1.0.22's converter (Apache-2.0,
// node_modules/tslab/dist/converter.js) with its closure's values made parameters: positions in the
// cell's own lines and columns, files outside the project dropped, and a top-level `await` (allowed
// in cells) noted instead of reported.
"use strict";
const path = require("node:path");

/**
 * `convertDiagnostics(input)` for the program `getProgram()`: `srcFilename` is the cell, and
 * `prefixed(fileName)` says whether a file's text starts with the cell prefix (`offsets`).
 */
function diagnosticConverter(ts, { cwd, srcFilename, prefixed, offsets, getProgram }) {
    function isTopLevelAwaitDiagnostic(srcFile, d) {
        if (d.code !== 1308 || srcFile == null) {
            // https://github.com/microsoft/TypeScript/search?q=await_expression_is_only_allowed_within_an_async_function_1308
            return false;
        }
        const await = ts.findPrecedingToken(d.start + d.length, srcFile);
        if (!await || await.kind !== ts.SyntaxKind.AwaitKeyword) {
            // This must not happen, though.
            return false;
        }
        let isTop = true;
        let parent = await.parent;
        while (isTop && parent && parent !== srcFile) {
            switch (parent.kind) {
                case ts.SyntaxKind.ArrowFunction:
                case ts.SyntaxKind.FunctionExpression:
                case ts.SyntaxKind.FunctionDeclaration:
                case ts.SyntaxKind.ClassDeclaration:
                case ts.SyntaxKind.ModuleDeclaration:
                    // await is not top-level. This is invalid in tslab.
                    return false;
            }
            parent = parent.parent;
        }
        return true;
    }
    function adjustSrcFileOffset(fileName, offset) {
        const lineChar = ts.getLineAndCharacterOfPosition(getProgram().getSourceFile(fileName), offset);
        const pos = {
            offset: offset,
            line: lineChar.line,
            character: lineChar.character,
        };
        if (fileName === srcFilename || prefixed(fileName)) {
            pos.offset -= offsets.offset;
            pos.line -= offsets.line;
            pos.character -= offsets.char;
        }
        return pos;
    }
    function convertDiagnostics(input) {
        let hasToplevelAwait = false;
        const diagnostics = [];
        const srcFile = getProgram().getSourceFile(srcFilename);
        for (const d of input) {
            if (!d.file) {
                continue;
            }
            if (d.file.fileName === srcFilename &&
                isTopLevelAwaitDiagnostic(srcFile, d)) {
                hasToplevelAwait = true;
                continue;
            }
            let fileName;
            if (d.file.fileName !== srcFilename) {
                const rel = path.relative(cwd, d.file.fileName);
                if (rel.startsWith("..")) {
                    continue;
                }
                fileName = rel;
            }
            const start = adjustSrcFileOffset(d.file.fileName, d.start);
            const end = adjustSrcFileOffset(d.file.fileName, d.start + d.length);
            if (typeof d.messageText === "string") {
                diagnostics.push({
                    start,
                    end,
                    messageText: d.messageText.toString(),
                    category: d.category,
                    code: d.code,
                    fileName,
                });
                continue;
            }
            traverseDiagnosticMessageChain(start, end, d.messageText, diagnostics, fileName);
        }
        return { diagnostics, hasToplevelAwait };
    }
    function traverseDiagnosticMessageChain(start, end, msg, out, fileName) {
        out.push({
            start,
            end,
            messageText: msg.messageText,
            category: msg.category,
            code: msg.code,
            // tslab drops the file of a chained message; an error in another file keeps it here.
            ...(fileName !== undefined ? { fileName } : {}),
        });
        if (!msg.next) {
            return;
        }
        for (const child of msg.next) {
            traverseDiagnosticMessageChain(start, end, child, out, fileName);
        }
    }
    return convertDiagnostics;
}

module.exports = { diagnosticConverter };
