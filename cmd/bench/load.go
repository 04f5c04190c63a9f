package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// side is one server a path is measured on: the portal anonymous or
// signed in, the bare program with either SQL, or the portal on a larger
// database.
type side struct {
	name   string
	base   string
	cookie string
}

// sample is one run of one path on one side: requests answered 200 per
// second, the median latency, and the answers that were not 200.
type sample struct {
	rps    float64
	p50    time.Duration
	errors int64
}

type loadConfig struct {
	portal, bare, large  string
	bareNow              string
	bareNowPID           int
	nowRatio             float64
	paths                []string
	c, rounds            int
	d                    time.Duration
	user, password       string
	portalPID, barePID   int
	largePID             int
	rssLimitMiB          float64
	listRatio, signRatio float64
	flatRatio            float64
}

func load(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench load", flag.ContinueOnError)
	var cfg loadConfig
	paths := fs.String("paths", "/api/v1/tenders?per_page=50,/api/v1/tenders?region=4501,/api/v1/tenders/{id}",
		"comma-separated paths; {id} takes the ids of the portal's first public tenders in turn")
	fs.StringVar(&cfg.portal, "portal", "", "the portal's base URL (required)")
	fs.StringVar(&cfg.bare, "bare", "", "the bare program running the SQL of the day issue 12 was filed (-sql filed): portal ÷ bare ratios")
	fs.StringVar(&cfg.bareNow, "bare-now", "", "the bare program running the portal's SQL of today (-sql now): portal ÷ bare-now ratios")
	fs.IntVar(&cfg.bareNowPID, "bare-now-pid", 0, "the bare-now program's process id (peak RSS)")
	fs.Float64Var(&cfg.nowRatio, "now-target", 0.7, "portal ÷ bare-now throughput target")
	fs.StringVar(&cfg.large, "large", "", "a portal on a larger database (flatness: its list p50 ÷ the portal's)")
	fs.IntVar(&cfg.c, "c", 16, "concurrent clients")
	fs.DurationVar(&cfg.d, "d", 2*time.Second, "duration of one run of one path on one side")
	fs.IntVar(&cfg.rounds, "rounds", 5, "rounds (medians over them)")
	fs.StringVar(&cfg.user, "user", "", "account to sign in with for the signed-in runs (none: no signed-in runs)")
	fs.StringVar(&cfg.password, "password", os.Getenv("PORTAL_ADMIN_PASSWORD"), "its password")
	fs.IntVar(&cfg.portalPID, "portal-pid", 0, "the portal's process id (peak RSS)")
	fs.IntVar(&cfg.barePID, "bare-pid", 0, "the bare program's process id (peak RSS)")
	fs.IntVar(&cfg.largePID, "large-pid", 0, "the large portal's process id (peak RSS)")
	fs.Float64Var(&cfg.rssLimitMiB, "rss-target", 150, "peak RSS target, MiB")
	fs.Float64Var(&cfg.listRatio, "ratio-target", 1.0, "portal ÷ bare throughput target")
	fs.Float64Var(&cfg.signRatio, "signed-target", 0.8, "signed in ÷ anonymous throughput target")
	fs.Float64Var(&cfg.flatRatio, "flat-target", 1.5, "large ÷ small list p50 target")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.portal == "" {
		return errors.New("-portal is required")
	}
	for _, p := range strings.Split(*paths, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.paths = append(cfg.paths, p)
		}
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 4 * cfg.c, MaxIdleConnsPerHost: 2 * cfg.c, IdleConnTimeout: time.Minute}}
	ids, err := publicIDs(client, cfg.portal)
	if err != nil {
		return err
	}
	sides := []side{{name: "portal", base: cfg.portal}}
	if cfg.bare != "" {
		sides = append(sides, side{name: "bare", base: cfg.bare})
	}
	if cfg.bareNow != "" {
		sides = append(sides, side{name: "bare-now", base: cfg.bareNow})
	}
	if cfg.user != "" {
		cookie, err := signIn(client, cfg.portal, cfg.user, cfg.password)
		if err != nil {
			return err
		}
		sides = append(sides, side{name: "signed", base: cfg.portal, cookie: cookie})
	}
	if cfg.large != "" {
		sides = append(sides, side{name: "large", base: cfg.large})
	}
	// A side that does not serve a path (the bare program serves the
	// tender routes only) is left out of that path's runs.
	serves := map[[2]string]bool{}
	for _, p := range cfg.paths {
		for _, s := range sides {
			status, _ := get(client, s, strings.ReplaceAll(p, "{id}", strconv.FormatInt(ids[0], 10)))
			serves[[2]string{s.name, p}] = status == http.StatusOK
		}
	}
	fmt.Fprintf(out, "load: c=%d, %s per run, %d rounds, sides %s, %d public tender ids\n", cfg.c, cfg.d, cfg.rounds, sideNames(sides), len(ids))
	results := map[[2]string][]sample{}
	for r := 0; r < cfg.rounds; r++ {
		for _, p := range cfg.paths {
			for _, s := range sides {
				if !serves[[2]string{s.name, p}] {
					continue
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				k := [2]string{s.name, p}
				results[k] = append(results[k], run(client, s, p, ids, cfg.c, cfg.d))
			}
		}
		fmt.Fprintf(out, "round %d/%d done\n", r+1, cfg.rounds)
	}
	report(out, cfg, sides, results)
	return nil
}

func sideNames(sides []side) string {
	var n []string
	for _, s := range sides {
		n = append(n, s.name)
	}
	return strings.Join(n, ", ")
}

// run keeps c clients busy on path for d and measures the answers.
func run(client *http.Client, s side, path string, ids []int64, c int, d time.Duration) sample {
	var next, ok, bad atomic.Int64
	lat := make([][]time.Duration, c)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				p := path
				if strings.Contains(p, "{id}") {
					p = strings.ReplaceAll(p, "{id}", strconv.FormatInt(ids[int(next.Add(1))%len(ids)], 10))
				}
				t0 := time.Now()
				status, _ := get(client, s, p)
				if status != http.StatusOK {
					bad.Add(1)
					continue
				}
				ok.Add(1)
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return sample{rps: float64(ok.Load()) / elapsed.Seconds(), p50: median(all), errors: bad.Load()}
}

func get(client *http.Client, s side, path string) (int, []byte) {
	req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
	if err != nil {
		return 0, nil
	}
	if s.cookie != "" {
		req.Header.Set("Cookie", s.cookie)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// publicIDs are the ids of the portal's newest public tenders (200).
func publicIDs(client *http.Client, base string) ([]int64, error) {
	status, body := get(client, side{base: base}, "/api/v1/tenders?per_page=200")
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s/api/v1/tenders: %d", base, status)
	}
	var l struct{ Items []struct{ ID int64 } }
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, err
	}
	var ids []int64
	for _, it := range l.Items {
		ids = append(ids, it.ID)
	}
	if len(ids) == 0 {
		return nil, errors.New("the portal lists no public tenders")
	}
	return ids, nil
}

// signIn opens a session (POST /api/v1/session) and returns its cookies.
func signIn(client *http.Client, base, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	res, err := client.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign in as %s: %d %s", user, res.StatusCode, b)
	}
	var parts []string
	for _, c := range res.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), nil
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := append([]T(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// medians are a path's medians over the rounds on one side.
func medians(ss []sample) (rps float64, p50 time.Duration, errs int64) {
	var r []float64
	var p []time.Duration
	for _, s := range ss {
		r, p, errs = append(r, s.rps), append(p, s.p50), errs+s.errors
	}
	return median(r), median(p), errs
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "BELOW TARGET"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// report prints each path's medians and every ratio with its target.
func report(out io.Writer, cfg loadConfig, sides []side, results map[[2]string][]sample) {
	fmt.Fprintf(out, "\n%-50s %-8s %10s %10s %7s\n", "path", "side", "req/s", "p50", "non-200")
	for _, p := range cfg.paths {
		for _, s := range sides {
			ss := results[[2]string{s.name, p}]
			if len(ss) == 0 {
				continue
			}
			rps, p50, errs := medians(ss)
			fmt.Fprintf(out, "%-50s %-8s %10.0f %10s %7d\n", p, s.name, rps, ms(p50), errs)
		}
	}
	fmt.Fprintln(out, "\nratios (medians of the rounds):")
	for _, p := range cfg.paths {
		pr, pp, _ := medians(results[[2]string{"portal", p}])
		if ss := results[[2]string{"bare", p}]; len(ss) > 0 {
			br, _, _ := medians(ss)
			x := pr / br
			fmt.Fprintf(out, "  %-50s portal ÷ bare      %5.2f×  (target ≥ %.1f×)  %s\n", p, x, cfg.listRatio, verdict(x >= cfg.listRatio))
		} else if cfg.bare != "" {
			fmt.Fprintf(out, "  %-50s portal ÷ bare      —      (the bare program does not serve it)\n", p)
		}
		if ss := results[[2]string{"bare-now", p}]; len(ss) > 0 {
			br, _, _ := medians(ss)
			x := pr / br
			fmt.Fprintf(out, "  %-50s portal ÷ bare-now  %5.2f×  (target ≥ %.1f×)  %s\n", p, x, cfg.nowRatio, verdict(x >= cfg.nowRatio))
		}
		if ss := results[[2]string{"signed", p}]; len(ss) > 0 {
			sr, _, _ := medians(ss)
			x := sr / pr
			fmt.Fprintf(out, "  %-50s signed ÷ anonymous %5.2f× (target ≥ %.1f×)  %s\n", p, x, cfg.signRatio, verdict(x >= cfg.signRatio))
		}
		if ss := results[[2]string{"large", p}]; len(ss) > 0 {
			_, lp, _ := medians(ss)
			x := float64(lp) / float64(pp)
			fmt.Fprintf(out, "  %-50s p50 large ÷ small %5.2f×  (target ≤ %.1f×)  %s\n", p, x, cfg.flatRatio, verdict(x <= cfg.flatRatio))
		}
	}
	for _, x := range []struct {
		name string
		pid  int
	}{{"portal", cfg.portalPID}, {"bare", cfg.barePID}, {"bare-now", cfg.bareNowPID}, {"large portal", cfg.largePID}} {
		if x.pid == 0 {
			continue
		}
		kib, err := peakRSS(x.pid)
		if err != nil {
			fmt.Fprintf(out, "  peak RSS %-12s unknown: %v\n", x.name, err)
			continue
		}
		mib := float64(kib) / 1024
		target := ""
		if !strings.HasPrefix(x.name, "bare") {
			target = fmt.Sprintf("(target ≤ %.0f MiB)  %s", cfg.rssLimitMiB, verdict(mib <= cfg.rssLimitMiB))
		}
		fmt.Fprintf(out, "  peak RSS %-12s %6.1f MiB  %s\n", x.name, mib, target)
	}
}

// peakRSS is the process's VmHWM in KiB (/proc/<pid>/status).
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM")
}
