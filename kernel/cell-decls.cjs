// Parts copyright 2019 Yu Watanabe (tslab), under the Apache License 2.0: kernel/LICENSE-tslab. Modified.
// What a cell's emit keeps across cells, copied from tslab 1.0.22's converter (Apache-2.0,
// node_modules/tslab/dist/converter.js) with its closure's values made parameters:
// `remainingDecls` keeps the earlier cells' declarations a cell did not redefine, and the
// transformers rewrite uses of earlier cells' names to `exports.name`, store the last expression
// in a variable and drop the `export {…}` line from the declarations.
"use strict";
const { keepNamesInImport } = require("../node_modules/tslab/dist/converter.js");

const asMutable = (o) => o;

/** The cell's declarations to add to `declOutput`: those of `declsSF` that `srcSF` did not replace. */
function remainingDecls(ts, checker, srcSF, declsSF) {
    const declLocals = declsSF.locals;
    const locals = srcSF.locals;
    let keepMap = new Map();
    function addName(node, name) {
        let set = keepMap.get(node);
        if (!set) {
            set = new Set();
            keepMap.set(node, set);
        }
        set.add(name);
    }
    let valueNames = new Set();
    let anyVars = new Set();
    declLocals.forEach((sym, key) => {
        let keep = checkKeepDeclType(ts, checker, locals.get(key));
        if (!keep.type && !keep.value) {
            return;
        }
        sym.declarations.forEach((decl) => {
            let node = decl;
            while (node.parent !== declsSF) {
                node = node.parent;
            }
            if (node.kind === ts.SyntaxKind.VariableStatement) {
                if (keep.value) {
                    addName(node, key);
                    if (anyVars.has(key)) {
                        anyVars.delete(key);
                    }
                    valueNames.add(key);
                }
                return;
            }
            if (ts.isTypeAliasDeclaration(node)) {
                if (keep.type) {
                    addName(node, key);
                }
                return;
            }
            if (ts.isClassDeclaration(node) || ts.isEnumDeclaration(node)) {
                if (keep.type) {
                    if (keep.value) {
                        addName(node, key);
                    }
                    // If !keep.value, forget this class.
                    return;
                }
                // keep.value === true
                if (!valueNames.has(node.name.escapedText)) {
                    anyVars.add(node.name.escapedText);
                }
                return;
            }
            if (ts.isImportDeclaration(node)) {
                if (keep.type && keep.value) {
                    addName(node, key);
                    return;
                }
                let aliased = checker.getAliasedSymbol(sym);
                if (!keep.value) {
                    // Here, keep.type == true.
                    if (aliased.flags & ts.SymbolFlags.Value) {
                        // Overwritten with a new value.
                        return;
                    }
                    // tslab's test (`&&`, true for any flags), kept so that the declarations equal tslab's.
                    if (aliased.flags && ts.SymbolFlags.Type) {
                        addName(node, key);
                    }
                    return;
                }
                // Here, keep.value == true and keep.type == false.
                if (aliased.flags & ts.SymbolFlags.Type) {
                    // Overwritten with a new type.
                    if (aliased.flags & ts.SymbolFlags.Value &&
                        !valueNames.has(aliased.escapedName)) {
                        anyVars.add(aliased.escapedName);
                    }
                    return;
                }
                addName(node, key);
                return;
            }
            if (ts.isFunctionDeclaration(node)) {
                if (keep.value) {
                    addName(node, key);
                }
                return;
            }
            if (ts.isInterfaceDeclaration(node)) {
                if (keep.type) {
                    addName(node, key);
                }
            }
            // TODO: Support more kinds.
            // console.log(
            //   ts.SyntaxKind[node.kind],
            //   ts.createPrinter({newLine: ts.NewLineKind.LineFeed}).printNode(ts.EmitHint.Unspecified, node, declsSF)
            // );
        });
    });
    let statements = [];
    declsSF.statements.forEach((stmt) => {
        let names = keepMap.get(stmt);
        if (!names) {
            return;
        }
        statements.push(stmt);
        if (ts.isVariableStatement(stmt)) {
            const decls = [];
            stmt.declarationList.declarations.forEach((decl) => {
                if (!ts.isIdentifier(decl.name)) {
                    // This must not happen.
                    return;
                }
                if (!names.has(decl.name.escapedText)) {
                    return;
                }
                decls.push(decl);
            });
            asMutable(stmt.declarationList).declarations =
                ts.factory.createNodeArray(decls);
        }
        if (ts.isImportDeclaration(stmt)) {
            keepNamesInImport(stmt, names);
        }
        // Do nothing for
        // - TypeAliasDeclaration (No multiple specs)
        // - FunctionDeclaration (ditto)
        // - InterfaceDeclaration (ditto)
    });
    asMutable(declsSF).statements = ts.factory.createNodeArray(statements);
    let printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
    let anyVarsDecls = [];
    anyVars.forEach((name) => {
        anyVarsDecls.push(`let ${name}: any;\n`);
    });
    return printer.printFile(declsSF) + anyVarsDecls.join("");
}
function checkKeepDeclType(ts, checker, symb) {
    const ret = { value: true, type: true };
    if (!symb) {
        return ret;
    }
    if (symb.flags & ts.SymbolFlags.Alias) {
        symb = checker.getAliasedSymbol(symb);
    }
    if (symb.flags & ts.SymbolFlags.Value) {
        ret.value = false;
    }
    if (symb.flags & ts.SymbolFlags.Type) {
        ret.type = false;
    }
    return ret;
}

/** The transformers of a cell's emit; `setLastExprName` receives the last expression's variable. */
function getCustomTransformers(ts, checker, declsFile, locals, setLastExprName) {
    const nullTransformationContext = ts.getNullTransformationContext();
    return {
        after: [after],
        afterDeclarations: [afterDeclarations],
    };
    function createLastExprVar() {
        const prefix = "tsLastExpr";
        if (!locals.has(prefix)) {
            return prefix;
        }
        let i = 0;
        while (true) {
            let name = `${prefix}${i}`;
            if (!locals.has(name)) {
                return name;
            }
            i++;
        }
    }
    // Wrap identifiers to previous variables with exports.
    function wrapPrevIdentifier(node) {
        var _a, _b;
        if (!ts.isIdentifier(node)) {
            return ts.visitEachChild(node, wrapPrevIdentifier, nullTransformationContext);
        }
        if (node.parent &&
            ts.isPropertyAccessExpression(node.parent) &&
            node.parent.name === node) {
            return node;
        }
        let prev = false;
        for (const decl of (_b = (_a = checker.getSymbolAtLocation(node)) === null || _a === void 0 ? void 0 : _a.declarations) !== null && _b !== void 0 ? _b : []) {
            if (decl.getSourceFile() === declsFile) {
                prev = true;
                break;
            }
        }
        if (!prev) {
            return node;
        }
        return ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier("exports"), node);
    }
    function after() {
        // Rewrite the output to store the last expression to a variable.
        return (node) => {
            node = ts.visitEachChild(node, wrapPrevIdentifier, nullTransformationContext);
            for (let i = node.statements.length - 1; i >= 0; i--) {
                const stmt = node.statements[i];
                if (ts.isExportDeclaration(stmt)) {
                    continue;
                }
                if (!ts.isExpressionStatement(stmt)) {
                    break;
                }
                const lastName = createLastExprVar();
                let statements = node.statements.slice(0, i);
                statements.push(ts.factory.createVariableStatement([ts.factory.createModifier(ts.SyntaxKind.ExportKeyword)], ts.factory.createVariableDeclarationList([
                    ts.factory.createVariableDeclaration(lastName, undefined, undefined, stmt.expression),
                ], ts.NodeFlags.Const)));
                setLastExprName(lastName);
                statements.push(...node.statements.slice(i + 1));
                asMutable(node).statements = ts.factory.createNodeArray(statements);
                break;
            }
            return node;
        };
    }
    function afterDeclarations() {
        // Delete all exports { ... }
        return (node) => {
            const statements = [];
            for (const stmt of node.statements) {
                if (ts.isExportDeclaration(stmt)) {
                    continue;
                }
                statements.push(stmt);
            }
            asMutable(node).statements = ts.factory.createNodeArray(statements);
            return node;
        };
    }
}

module.exports = { remainingDecls, getCustomTransformers };
