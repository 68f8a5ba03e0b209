// Command loadgen measures the platform against a bare net/http handler in the
// same run, on the same machine, so the figures are ratios that survive a
// change of hardware:
//
//   - cold start: exec of the binary with a new data folder (schema and demo
//     data) and with an existing one, until /readyz answers 200;
//   - resident memory (VmRSS) at idle after start, and after the load;
//   - throughput and latency (p50, p99) of the German start page under a
//     closed-loop load of keep-alive connections, and the same for a bare
//     handler that writes the start page's bytes from memory.
//
// Usage (make loadtest does the build):
//
//	go build -o bin/sozialplattform ./cmd/sozialplattform
//	go run ./cmd/loadgen -binary bin/sozialplattform [-c 32] [-d 10s]
//
// The platform and the baseline each run in their own process; the load
// generator shares the two cores with them, as a reverse proxy would.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "baseline" {
		baseline(os.Args[2:])
		return
	}
	binary := flag.String("binary", "bin/sozialplattform", "the platform binary to measure")
	conns := flag.Int("c", 32, "concurrent keep-alive connections")
	dur := flag.Duration("d", 10*time.Second, "duration of each load phase")
	warm := flag.Duration("warmup", 2*time.Second, "warm-up before each load phase")
	starts := flag.Int("starts", 5, "cold starts to measure")
	flag.Parse()
	if err := run(*binary, *conns, *dur, *warm, *starts); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// baseline serves one fixed body with the headers a browser would get: the
// least work any Go server can do for this page.
func baseline(args []string) {
	fs := flag.NewFlagSet("baseline", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	body := fs.String("body", "", "file with the response body")
	encoding := fs.String("encoding", "", "Content-Encoding of the body")
	ctype := fs.String("type", "text/html; charset=utf-8", "Content-Type of the body")
	fs.Parse(args)
	b, err := os.ReadFile(*body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", *ctype)
		if *encoding != "" {
			w.Header().Set("Content-Encoding", *encoding)
		}
		w.Write(b)
	})
	if err := http.ListenAndServe(*addr, h); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type result struct {
	name     string
	requests int
	errors   int
	rps      float64
	p50, p99 time.Duration
}

func run(binary string, conns int, dur, warm time.Duration, starts int) error {
	if _, err := os.Stat(binary); err != nil {
		return fmt.Errorf("%w (build it: go build -o %s ./cmd/sozialplattform)", err, binary)
	}
	tmp, err := os.MkdirTemp("", "loadgen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Printf("loadgen: %s, %d CPUs, GOMAXPROCS %d, %s\n", runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.RFC3339))

	// Cold starts: a new data folder each time (schema + demo data), then
	// restarts on an existing folder.
	var fresh, again []time.Duration
	for i := 0; i < starts; i++ {
		dir := filepath.Join(tmp, "cold"+strconv.Itoa(i))
		p, d, err := startPlatform(binary, dir)
		if err != nil {
			return err
		}
		fresh = append(fresh, d)
		p.stop()
		p, d, err = startPlatform(binary, dir)
		if err != nil {
			return err
		}
		again = append(again, d)
		p.stop()
	}
	fmt.Printf("\ncold start to /readyz 200 (%d runs): new data folder median %s max %s; existing folder median %s max %s\n",
		starts, median(fresh), slices.Max(fresh).Round(time.Millisecond), median(again), slices.Max(again).Round(time.Millisecond))

	// The counselling finder is measured with a whole country's directory.
	loadDir := filepath.Join(tmp, "load")
	if out, err := exec.Command(binary, "centres", "synthetic", "20000", "--data", loadDir).CombinedOutput(); err != nil {
		return fmt.Errorf("synthetic centres: %v: %s", err, out)
	}
	p, _, err := startPlatform(binary, loadDir)
	if err != nil {
		return err
	}
	defer p.stop()
	// Let the first background jobs (retention sweep, demo data) finish.
	time.Sleep(2 * time.Second)
	idle := rssKB(p.cmd.Process.Pid)
	fmt.Printf("resident memory at idle: %.1f MB\n", float64(idle)/1024)

	var results []result
	var ratios []string
	for _, target := range []struct{ name, path, ctype string }{
		{"platform /de/", "/de/", "text/html; charset=utf-8"},
		{"platform /api/v1/places?q=53840", "/api/v1/places?q=53840", "application/json; charset=utf-8"},
		{"platform /api/v1/places?q=Troisd", "/api/v1/places?q=Troisd&limit=8", "application/json; charset=utf-8"},
		// The first chapter of the HzL application: every connection has
		// its own session with its application; rendered per request.
		{"platform /de/antrag/99107012017000/antragsteller", "/de/antrag/99107012017000/antragsteller", "text/html; charset=utf-8"},
		// The counselling finder with 20,000 centres: place, radius, type
		// and words; a repeated query, answered from the finder's cache of
		// result pages until a centre changes.
		{"platform /de/beratung?q=Schulden&ort=50667&art=schulden", "/de/beratung?q=Schulden&ort=50667&radius=25&art=schulden", "text/html; charset=utf-8"},
	} {
		base, plat, err := compare(tmp, target.name, p.base+target.path, target.ctype, conns, dur, warm)
		if err != nil {
			return err
		}
		results = append(results, base, plat)
		ratios = append(ratios, fmt.Sprintf("%s / bare handler: %.0f %% of the requests per second; p99 %.1f× the bare handler's",
			target.name, 100*plat.rps/base.rps, float64(plat.p99)/float64(base.p99)))
	}
	busy := rssKB(p.cmd.Process.Pid)

	fmt.Printf("\n%d connections, %s per phase after %s warm-up, Accept-Encoding: gzip; each bare handler serves the bytes the platform sent for its target\n\n", conns, dur, warm)
	fmt.Println("| target | requests | errors | req/s | p50 | p99 |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
	failed := false
	for _, r := range results {
		fmt.Printf("| %s | %d | %d | %.0f | %s | %s |\n", r.name, r.requests, r.errors, r.rps, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond))
		failed = failed || r.errors > 0
	}
	fmt.Println()
	for _, r := range ratios {
		fmt.Println(r)
	}
	fmt.Printf("resident memory after the load: %.1f MB\n", float64(busy)/1024)
	if failed {
		return errors.New("requests failed during the load")
	}
	return nil
}

// compare loads a platform URL and a bare net/http handler that serves the
// very bytes (and encoding) the platform answered with, in the same run.
func compare(tmp, name, url, ctype string, conns int, dur, warm time.Duration) (result, result, error) {
	body, enc, err := fetch(url)
	if err != nil {
		return result{}, result{}, err
	}
	bodyFile := filepath.Join(tmp, "body-"+strconv.Itoa(len(name)))
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		return result{}, result{}, err
	}
	baseAddr, err := freeAddr()
	if err != nil {
		return result{}, result{}, err
	}
	bl := exec.Command(os.Args[0], "baseline", "-addr", baseAddr, "-body", bodyFile, "-encoding", enc, "-type", ctype)
	bl.Stderr = os.Stderr
	if err := bl.Start(); err != nil {
		return result{}, result{}, err
	}
	defer func() { bl.Process.Kill(); bl.Wait() }()
	if err := waitReady("http://"+baseAddr+"/", 10*time.Second); err != nil {
		return result{}, result{}, err
	}
	base := load("bare net/http handler ("+strconv.Itoa(len(body))+" bytes, like "+name+")", "http://"+baseAddr+"/", conns, dur, warm)
	plat := load(name, url, conns, dur, warm)
	return base, plat, nil
}

type platform struct {
	cmd  *exec.Cmd
	base string
	log  *os.File
}

func (p *platform) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
	p.log.Close()
}

// startPlatform runs the binary on a free port and returns when /readyz
// answers 200, with the time since exec.
func startPlatform(binary, dir string) (*platform, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	// The platform logs every request at info level, as in production; the
	// log goes to a file like a log collector would read it.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, 0, err
	}
	log, err := os.Create(filepath.Join(dir, "platform.log"))
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(binary, "serve", "--addr", addr, "--data", dir)
	cmd.Stdout, cmd.Stderr = log, log
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	p := &platform{cmd: cmd, base: "http://" + addr, log: log}
	if err := waitReady(p.base+"/readyz", 30*time.Second); err != nil {
		p.stop()
		out, _ := os.ReadFile(log.Name())
		return nil, 0, fmt.Errorf("%w\n%s", err, out)
	}
	return p, time.Since(t0), nil
}

// waitReady polls url; polling is how a load balancer's health check works.
func waitReady(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		resp, err := c.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s", url, limit)
}

func fetch(url string) ([]byte, string, error) {
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, "", fmt.Errorf("%s: %s", url, resp.Status)
	}
	return b, resp.Header.Get("Content-Encoding"), err
}

// load runs a closed loop: each connection sends its next request when the
// previous answer is read. Every connection keeps a cookie jar, as a browser
// does, so the platform sees returning visitors after their first request.
func load(name, url string, conns int, dur, warm time.Duration) result {
	var stop atomic.Bool
	var measuring atomic.Bool
	lat := make([][]time.Duration, conns)
	errs := make([]int, conns)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}}
			for !stop.Load() {
				req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				req.Header.Set("Accept-Language", "de-DE,de;q=0.9")
				t0 := time.Now()
				resp, err := c.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = errors.New(resp.Status)
					}
				}
				d := time.Since(t0)
				if measuring.Load() {
					if err != nil {
						errs[i]++
					} else {
						lat[i] = append(lat[i], d)
					}
				}
			}
		}(i)
	}
	time.Sleep(warm)
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(dur)
	measuring.Store(false)
	elapsed := time.Since(t0)
	stop.Store(true)
	wg.Wait()
	var all []time.Duration
	r := result{name: name}
	for i := range lat {
		all = append(all, lat[i]...)
		r.errors += errs[i]
	}
	slices.Sort(all)
	r.requests = len(all)
	r.rps = float64(len(all)) / elapsed.Seconds()
	if len(all) > 0 {
		r.p50 = all[len(all)/2]
		r.p99 = all[len(all)*99/100]
	}
	return r
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2].Round(time.Millisecond)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// rssKB reads the resident set size of a process from /proc (Linux).
func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}
