/// `/assets/console.css`: the console's stylesheet (light and dark through `prefers-color-scheme`).
enum ConsoleStylesheet {
    static let text = #"""
    /* Loom console. Light and dark follow prefers-color-scheme; no inline styles (the CSP forbids them). */
    :root {
      --bg: #ffffff; --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; --link: #0b5cad; --focus: #1f6feb;
      --ok: #1a7f37; --run: #0969da; --wait: #9a6700; --bad: #cf222e; --idle: #8c959f; --att: #fff8c5;
    }
    @media (prefers-color-scheme: dark) {
      :root {
        --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23; --link: #4493f8; --focus: #58a6ff;
        --ok: #3fb950; --run: #4493f8; --wait: #d29922; --bad: #f85149; --idle: #6e7681; --att: #3b2e00;
      }
    }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
    a { color: var(--link); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, main:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    .skip { position: absolute; left: -9999px; }
    .skip:focus { left: 8px; top: 8px; background: var(--panel); padding: 6px 10px; z-index: 2; }
    header { display: flex; justify-content: space-between; align-items: center; gap: 12px; padding: 10px 24px; border-bottom: 1px solid var(--line); background: var(--panel); }
    header ol { list-style: none; display: flex; gap: 6px; margin: 0; padding: 0; }
    header li + li::before { content: "/"; color: var(--muted); margin-right: 6px; }
    .who { margin: 0; color: var(--muted); }
    main { padding: 16px 24px 48px; max-width: 1280px; }
    h1 { font-size: 1.6em; margin: 8px 0; word-break: break-all; }
    h2 { font-size: 1.2em; margin: 24px 0 8px; }
    h3 { font-size: 1em; margin: 0 0 6px; }
    .sub, .legend, .live { color: var(--muted); font-size: 0.9em; margin: 2px 0; }
    table { border-collapse: collapse; width: 100%; margin: 8px 0; }
    caption { text-align: left; color: var(--muted); font-size: 0.9em; padding: 4px 0; }
    th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
    thead th { font-size: 0.85em; color: var(--muted); }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    .attention-cell { background: var(--att); font-weight: 600; }
    .attention { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px; }
    .meta, .detail, .failure { word-break: break-word; }
    .failure { color: var(--bad); }
    .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 0.85em; border: 1px solid currentColor; }
    .status-completed, .status-merged { color: var(--ok); }
    .status-running, .status-in-progress, .status-open { color: var(--run); }
    .status-waiting-retry, .status-awaiting-review { color: var(--wait); }
    .status-failed { color: var(--bad); }
    .status-cancelled, .status-not-started { color: var(--idle); }
    .progress { display: flex; height: 12px; min-width: 160px; border-radius: 6px; overflow: hidden; background: var(--line); }
    .seg { display: block; height: 100%; }
    .seg.status-completed, .seg.status-merged { background: var(--ok); }
    .seg.status-running { background: var(--run); }
    .seg.status-waiting-retry { background: var(--wait); }
    .seg.status-failed { background: var(--bad); }
    .seg.status-cancelled, .seg.status-not-started { background: var(--idle); }
    .filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
    input, select, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; }
    button { background: var(--panel); cursor: pointer; }
    .paging { display: flex; gap: 16px; margin: 8px 0; }
    .timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
    .step { margin: 0 0 12px; padding: 8px 14px; position: relative; }
    .step::before { content: ""; position: absolute; left: -9px; top: 12px; width: 15px; height: 15px; border-radius: 50%; background: var(--line); }
    .step.current::before { background: var(--run); }
    .step.pending { color: var(--muted); }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
    dt { color: var(--muted); }
    dd { margin: 0; }
    .summary { max-width: 900px; }
    .rel { color: var(--muted); }
    .actions { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 16px 0; }
    form.inline { display: inline; margin: 0; }
    .button { display: inline-block; text-decoration: none; border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
    button.primary { background: var(--run); color: #ffffff; border-color: var(--run); }
    .danger { color: var(--bad); border-color: var(--bad); }
    .confirm { display: grid; gap: 8px; max-width: 640px; }
    .buttons { display: flex; gap: 16px; align-items: center; }
    .w0 { width: 0%; }
    .w25 { width: 2.5%; }
    .w50 { width: 5%; }
    .w75 { width: 7.5%; }
    .w100 { width: 10%; }
    .w125 { width: 12.5%; }
    .w150 { width: 15%; }
    .w175 { width: 17.5%; }
    .w200 { width: 20%; }
    .w225 { width: 22.5%; }
    .w250 { width: 25%; }
    .w275 { width: 27.5%; }
    .w300 { width: 30%; }
    .w325 { width: 32.5%; }
    .w350 { width: 35%; }
    .w375 { width: 37.5%; }
    .w400 { width: 40%; }
    .w425 { width: 42.5%; }
    .w450 { width: 45%; }
    .w475 { width: 47.5%; }
    .w500 { width: 50%; }
    .w525 { width: 52.5%; }
    .w550 { width: 55%; }
    .w575 { width: 57.5%; }
    .w600 { width: 60%; }
    .w625 { width: 62.5%; }
    .w650 { width: 65%; }
    .w675 { width: 67.5%; }
    .w700 { width: 70%; }
    .w725 { width: 72.5%; }
    .w750 { width: 75%; }
    .w775 { width: 77.5%; }
    .w800 { width: 80%; }
    .w825 { width: 82.5%; }
    .w850 { width: 85%; }
    .w875 { width: 87.5%; }
    .w900 { width: 90%; }
    .w925 { width: 92.5%; }
    .w950 { width: 95%; }
    .w975 { width: 97.5%; }
    .w1000 { width: 100%; }
    """#
}
