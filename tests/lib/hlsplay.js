// hlsplay.js URL [SECONDS] [MIN_TIME]: opens the kvideo player page at URL
// in headless Chromium (Debian's /usr/bin/chromium through playwright-core)
// and waits up to SECONDS (default 60) until the video's currentTime has
// passed MIN_TIME (default 1) seconds. Prints one JSON line: {ok,
// currentTime, videoWidth, videoHeight, fatal, errors}. Exit 0 when it
// played without a fatal hls.js error, 1 otherwise, 2 when the browser
// could not start. Needs NODE_PATH to hold tests/node/node_modules.
'use strict';
const { chromium } = require('playwright-core');

async function main() {
	const url = process.argv[2];
	const limit = Number(process.argv[3] || 60) * 1000;
	const minTime = Number(process.argv[4] || 1);
	let browser;
	try {
		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required',
			       '--mute-audio'],
		});
	} catch (e) {
		console.log(JSON.stringify({ ok: false, launch: String(e) }));
		process.exit(2);
	}
	const page = await browser.newPage();
	const logs = [];
	page.on('console', (m) => logs.push(m.type() + ': ' + m.text()));
	page.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
	await page.goto(url);
	const start = Date.now();
	let st = {};
	for (;;) {
		st = await page.evaluate(() => {
			const v = document.querySelector('video');
			const k = window.kinPlayer || {};
			return {
				currentTime: v ? v.currentTime : -1,
				videoWidth: v ? v.videoWidth : 0,
				videoHeight: v ? v.videoHeight : 0,
				hls: typeof window.Hls === 'function',
				fatal: k.fatal || null,
				errors: k.errors || [],
			};
		});
		if (st.fatal || st.currentTime > minTime ||
		    Date.now() - start > limit)
			break;
		await new Promise((r) => setTimeout(r, 250));
	}
	st.ok = !st.fatal && st.currentTime > minTime;
	if (!st.ok)
		st.logs = logs.slice(-20);
	console.log(JSON.stringify(st));
	await browser.close();
	process.exit(st.ok ? 0 : 1);
}

main().catch((e) => {
	console.log(JSON.stringify({ ok: false, exception: String(e) }));
	process.exit(1);
});
