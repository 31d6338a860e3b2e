package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/syncer"
)

// cleanSynced is `wandb sync --clean`: delete the directories of synced
// runs under <dir>/wandb started more than olderThan ago, after asking on
// in (a terminal) unless force. Without a terminal and without force it
// refuses, so a script never deletes by accident.
func (a *app) cleanSynced(in io.Reader, olderThan time.Duration, force bool) error {
	runs, err := rundir.List(a.rootDir())
	if err != nil {
		return err
	}
	cutoff := time.Now().Add(-olderThan)
	var doomed []rundir.Run
	for _, r := range runs {
		if syncer.IsSynced(r.Dir) && !r.Started.After(cutoff) {
			doomed = append(doomed, r)
		}
	}
	if len(doomed) == 0 {
		fmt.Fprintf(a.stdout, "no synced runs older than %s under %s\n", olderThan, rundir.WandbDir(a.rootDir()))
		return nil
	}
	fmt.Fprintf(a.stdout, "found %d synced runs older than %s:\n", len(doomed), olderThan)
	for _, r := range doomed {
		fmt.Fprintf(a.stdout, "  %s\n", r.Dir)
	}
	if !force {
		if !isTerminal(in) {
			return fmt.Errorf("sync --clean: not deleting %d runs without a confirmation: standard input is not a terminal; pass --clean-force", len(doomed))
		}
		fmt.Fprintf(a.stderr, "wandb: delete these %d runs? [y/N] ", len(doomed))
		line, _ := bufio.NewReader(in).ReadString('\n')
		if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
			fmt.Fprintln(a.stdout, "nothing deleted")
			return nil
		}
	}
	for _, r := range doomed {
		if err := os.RemoveAll(r.Dir); err != nil {
			return fmt.Errorf("sync --clean: %w", err)
		}
	}
	fmt.Fprintf(a.stdout, "deleted %d runs\n", len(doomed))
	return nil
}

// progressBar draws sync progress on a terminal's line: runs done of all,
// the current run and its rows and files. nil (not a terminal) draws
// nothing; its methods are no-ops then.
type progressBar struct {
	w     io.Writer
	total int
	width int // of the last line drawn, to blank it
}

func newProgressBar(w io.Writer, total int) *progressBar {
	if f, ok := w.(*os.File); !ok || !isTerminal(f) {
		return nil
	}
	return &progressBar{w: w, total: total}
}

const barCells = 24

func (b *progressBar) update(done int, run string, p syncer.Progress) {
	if b == nil {
		return
	}
	fill := barCells * done / max(b.total, 1)
	line := fmt.Sprintf("[%s%s] %d/%d runs  %s", strings.Repeat("#", fill), strings.Repeat(".", barCells-fill), done, b.total, run)
	if p.Stage != "" {
		line += fmt.Sprintf("  %s: %d rows sent", p.Stage, p.RowsSent)
		if p.Files > 0 {
			line += fmt.Sprintf(", %d files", p.Files)
		}
	}
	b.draw(line)
}

func (b *progressBar) draw(line string) {
	pad := max(b.width-len(line), 0)
	fmt.Fprintf(b.w, "\r%s%s", line, strings.Repeat(" ", pad))
	b.width = len(line)
}

// clear blanks the bar's line so that a result line can be printed.
func (b *progressBar) clear() {
	if b == nil || b.width == 0 {
		return
	}
	fmt.Fprintf(b.w, "\r%s\r", strings.Repeat(" ", b.width))
	b.width = 0
}

// done draws the full bar and ends its line.
func (b *progressBar) done() {
	if b == nil {
		return
	}
	b.draw(fmt.Sprintf("[%s] %d/%d runs", strings.Repeat("#", barCells), b.total, b.total))
	fmt.Fprintln(b.w)
}
