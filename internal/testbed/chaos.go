package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// Outage stops a component of the cluster and starts it again after down: the tests' way to
// make the cluster misbehave under a running job or rollout.
//
//   - "kube-apiserver" with SIGKILL: a crash (no drain of long-running requests), back after
//     down; when Outage returns it is ready and the controllers act on it again;
//   - "kubelet" with SIGTERM: a kubelet restart; the pods' containers keep running under
//     containerd, and exec works again once the kubelet is back.
func (c *Cluster) Outage(ctx context.Context, component string, sig syscall.Signal, down time.Duration) error {
	argv, ok := c.spawned[component]
	if !ok {
		return fmt.Errorf("%s was not started by this process", component)
	}
	pid := c.pid(component)
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("stop %s: %w", component, err)
	}
	if !waitGone([]int{pid}, 10*time.Second) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		waitGone([]int{pid}, 5*time.Second)
	}
	select { // the outage itself: what the test is about, not a wait for something
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(down):
	}
	if err := c.spawn(component, false, argv[0], argv[1:]...); err != nil {
		return err
	}
	if component != "kube-apiserver" {
		return nil
	}
	if err := c.waitFor(ctx, "kube-apiserver /readyz after the outage", 120*time.Second, func(ctx context.Context) (bool, error) {
		return c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error() == nil, nil
	}, "kube-apiserver"); err != nil {
		return err
	}
	return c.waitControllers(ctx)
}

// Proxy is a TCP proxy in front of the API server that can cut every connection through it
// at once: a broken connection between a client and the API server, and nothing else.
type Proxy struct {
	// Addr is where clients connect: the host's address of the test bed's link.
	Addr string

	l     net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
	cuts  int
}

// APIProxy starts a proxy to the API server on the host's end of the link.
func (c *Cluster) APIProxy() (*Proxy, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(c.HostIP, "0"))
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: l.Addr().String(), l: l, conns: map[net.Conn]bool{}}
	target := net.JoinHostPort(c.NodeIP, fmt.Sprint(apiPort))
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go p.pipe(in, target)
		}
	}()
	return p, nil
}

func (p *Proxy) pipe(in net.Conn, target string) {
	out, err := net.Dial("tcp", target)
	if err != nil {
		in.Close()
		return
	}
	p.mu.Lock()
	p.conns[in], p.conns[out] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	copyClose := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go copyClose(out, in)
	go copyClose(in, out)
	<-done
	in.Close()
	out.Close()
	p.mu.Lock()
	delete(p.conns, in)
	delete(p.conns, out)
	p.mu.Unlock()
}

// Cut closes every connection through the proxy now; new ones are accepted as before. It
// returns how many it cut.
func (p *Proxy) Cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, as a network failure looks
		}
		c.Close()
		n++
	}
	p.cuts++
	return n / 2
}

// Close stops the proxy and cuts its connections.
func (p *Proxy) Close() error {
	p.Cut()
	err := p.l.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
