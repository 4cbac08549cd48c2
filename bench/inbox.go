package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// targetInboxElementBrotli is the <roost-inbox> element's budget: its
// script and stylesheet together, brotli.
const targetInboxElementBrotli = 8 * 1024

// inboxBytes reports the <roost-inbox> element's bytes against its budget.
func inboxBytes(b *strings.Builder, got map[string]sizes) {
	el := got["roost-inbox.js"].brotli + got["roost-inbox.css"].brotli
	fmt.Fprintf(b, "The `<roost-inbox>` element (roost-inbox.js + roost-inbox.css, loaded after the load event on pages that have one): %s brotli against its 8 KB budget: %s.\n",
		kb(el), verdict(el <= targetInboxElementBrotli, kb(el)))
	fmt.Fprintf(b, "The page script that defines it, roost-page.js: %s brotli (the script tag's roost.js, which loads it after the load event: %s).\n\n",
		kb(got["roost-page.js"].brotli), kb(got["roost.js"].brotli))
}

// inboxTable reports example-site's TestInboxElementLongInbox.
func inboxTable(b *strings.Builder, out string) {
	var r struct {
		Messages      int     `json:"messages"`
		OpenMs        float64 `json:"open_ms"`
		Opens         int     `json:"opens"`
		LongTasks     int     `json:"long_tasks"`
		LongestTaskMs float64 `json:"longest_task_ms"`
	}
	readJSON(filepath.Join(out, "inbox.json"), &r)
	fmt.Fprintf(b, "### The inbox element with %d messages (headless Chromium, load average %s)\n\n", r.Messages, loadAverage())
	fmt.Fprintf(b, "| measure | value |\n|---|---:|\n")
	fmt.Fprintf(b, "| the bell's click to the panel drawn and focused (median of %d openings) | %.1f ms |\n", r.Opens, r.OpenMs)
	longest := "none"
	if r.LongTasks > 0 {
		longest = fmt.Sprintf("%d, the longest %.0f ms", r.LongTasks, r.LongestTaskMs)
	}
	fmt.Fprintf(b, "| main-thread tasks over 50 ms while opening and scrolling to the oldest | %s |\n\n", longest)
}
