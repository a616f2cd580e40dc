// Parts copyright 2019 Yu Watanabe (tslab), under the Apache License 2.0: kernel/LICENSE-tslab. Modified.
// Completion at a position of a cell, copied from tslab 1.0.22's converter (Apache-2.0,
// node_modules/tslab/dist/converter.js) with its closure's values made parameters.
"use strict";

/**
 * Completion candidates at `pos` (an offset in `srcFile`, whose text starts with `srcPrefix`), with
 * the span they replace in the cell's own offsets.
 */
function completeAt(ts, program, srcFile, pos, srcPrefix) {
    const info = ts.Completions.getCompletionsAtPositionForTslab({}, program, () => { }, srcFile, pos, {}, undefined, ts.CompletionTriggerKind.Invoked, {
        isCancellationRequested: () => false,
        throwIfCancellationRequested: () => void 0,
    });
    if (info === null || info === void 0 ? void 0 : info.optionalReplacementSpan) {
        info.optionalReplacementSpan.start -= srcPrefix.length;
    }
    const prev = ts.findPrecedingToken(pos, srcFile);
    // Note: In contradiction to the docstring, findPrecedingToken may return prev with
    // prev.end > pos (e.g. `members with surrounding` test case).
    //
    // Note: Be careful. node.pos != node.getStart().
    // (e.g. `globals with prefix` test case)
    if (prev && ts.isIdentifier(prev) && prev.end >= pos) {
        return completionWithId(info, prev, srcFile, srcPrefix);
    }
    const next = prev
        ? ts.findNextToken(prev, srcFile, srcFile)
        : null;
    if (next &&
        ts.isIdentifier(next) &&
        next.getStart(srcFile) <= pos &&
        pos <= next.end) {
        return completionWithId(info, next, srcFile, srcPrefix);
    }
    let entries = info && info.entries ? info.entries.slice() : [];
    entries.sort((a, b) => {
        const ord = a.sortText.localeCompare(b.sortText);
        return ord !== 0 ? ord : a.name.localeCompare(b.name);
    });
    const candidates = entries.map((e) => e.name);
    return {
        start: pos - srcPrefix.length,
        end: pos - srcPrefix.length,
        candidates,
        original: info,
    };
}
// TODO(yunabe): Probably, replace this with optionalReplacementSpan.
function completionWithId(info, id, srcFile, srcPrefix) {
    let name = id.escapedText.toString();
    let lower = name.toLowerCase();
    let entries = info ? info.entries : [];
    const candidates = entries
        .map((e, index) => {
        const key = (() => {
            if (e.name.startsWith(name)) {
                return "0";
            }
            const lname = e.name.toLowerCase();
            if (lname.toLowerCase().startsWith(lower)) {
                return "1";
            }
            if (lname.indexOf(lower) >= 0) {
                return "2";
            }
            return "";
        })();
        if (key === "") {
            return null;
        }
        return {
            name: e.name,
            sortKey: key + e.sortText,
            index,
        };
    })
        .filter((e) => !!e);
    // Sort stably by using the original index.
    candidates.sort((a, b) => {
        const ord = a.sortKey.localeCompare(b.sortKey);
        return ord !== 0 ? ord : a.index - b.index;
    });
    return {
        start: id.getStart(srcFile) - srcPrefix.length,
        end: id.end - srcPrefix.length,
        candidates: candidates.map((e) => e.name),
        original: info,
    };
}

module.exports = { completeAt };
