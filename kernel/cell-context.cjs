// Each cell runs in its own async context, so what it started (timers, intervals, immediates, and
// the async loops that wait on them) can be stopped. tslab's interrupt only stopped waiting for a
// cell: a loop of `await sleep(…)` went on printing into later cells. Interrupt now stops every
// timer that a cell (or anything it started) set up and drops their output.
"use strict";
const { AsyncLocalStorage } = require("node:async_hooks");

const cells = new AsyncLocalStorage();
const live = new Set();

const timerKinds = [
  ["setTimeout", "clearTimeout", true],
  ["setInterval", "clearInterval", false],
  ["setImmediate", "clearImmediate", true],
];

/** A cell's context: its timers (to clear on interrupt) and an AbortSignal aborted then. */
function newCell() {
  return { interrupted: false, timers: new Map(), controller: new AbortController() };
}

function track(set, clear, once) {
  return function tracked(fn, ...rest) {
    const cell = cells.getStore();
    if (!cell || typeof fn !== "function") return set(fn, ...rest);
    if (cell.interrupted) return set(() => {}, ...rest);
    const handle = set(function (...args) {
      if (once) forget(cell, handle);
      if (!cell.interrupted) return fn.apply(this, args);
    }, ...rest);
    cell.timers.set(handle, clear);
    live.add(cell);
    return handle;
  };
}

function forget(cell, handle) {
  cell.timers.delete(handle);
  if (cell.timers.size === 0) live.delete(cell);
}

/** Replaces the global timer functions with ones that remember the cell that set them up. */
function trackTimers(g = globalThis) {
  for (const [setName, clearName, once] of timerKinds) {
    const set = g[setName];
    const clear = g[clearName];
    g[setName] = Object.assign(track(set, clear, once), set);
    g[clearName] = function (handle) {
      const cell = cells.getStore();
      if (cell) forget(cell, handle);
      return clear(handle);
    };
  }
}

/** Stops a cell: clears its timers, aborts its signal; its later output is dropped. */
function stopCell(cell) {
  cell.interrupted = true;
  for (const [handle, clear] of cell.timers) clear(handle);
  cell.timers.clear();
  live.delete(cell);
  cell.controller.abort(new Error("Interrupted"));
}

/** True while the code running now belongs to a cell that was interrupted. */
const inInterruptedCell = () => cells.getStore()?.interrupted === true;

/** The AbortSignal of the running cell (aborted by Kernel > Interrupt), if any. */
const cellSignal = () => cells.getStore()?.controller.signal;

module.exports = { cells, live, newCell, trackTimers, stopCell, inInterruptedCell, cellSignal };
