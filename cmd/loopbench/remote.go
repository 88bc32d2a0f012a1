package main

import (
	"flag"
	"net"
	"strings"

	"loopbench/harness/remote"
	"loopbench/harness/runner"
)

// remoteOptions are run's flags for remote hosts.
type remoteOptions struct {
	transport   string
	serverHost  string
	serverAddr  string
	clientHosts string
	binary      string
	dir         string
}

func (o *remoteOptions) define(fs *flag.FlagSet) {
	fs.StringVar(&o.transport, "remote", remote.DefaultTemplate, "`template` of the command that runs a command on a host, {host} standing for the host: 'kubectl exec -i {host} --', 'docker exec -i {host}', 'ip netns exec {host}'")
	fs.StringVar(&o.serverHost, "server-host", "", "run the backend and every server on this `host`, through --remote (default: here)")
	fs.StringVar(&o.serverAddr, "server-addr", "", "`address` the load connects to the server at (default: --server-host)")
	fs.StringVar(&o.clientHosts, "client-hosts", "", "comma-separated `hosts` that generate the load, each its share, through --remote (default: this process)")
	fs.StringVar(&o.binary, "remote-binary", "", "`path` of loopbench on the remote hosts (default: copy this binary there, checked by its hash, reused when present)")
	fs.StringVar(&o.dir, "remote-dir", remote.DefaultDir, "`directory` on the remote hosts for loopbench and the run's files")
}

// config is the runner's RemoteConfig, nil without --server-host.
func (o *remoteOptions) config() (*runner.RemoteConfig, error) {
	if o.serverHost == "" {
		if o.clientHosts != "" || o.serverAddr != "" {
			return nil, usagef("run: --client-hosts and --server-addr need --server-host (the host the servers run on)")
		}
		return nil, nil
	}
	t, err := remote.Parse(o.transport)
	if err != nil {
		return nil, usagef("run: --remote: %v", err)
	}
	c := &runner.RemoteConfig{Transport: t, ServerHost: o.serverHost, ServerAddr: o.serverAddr, Binary: o.binary, Dir: o.dir}
	if c.ServerAddr == "" && net.ParseIP(o.serverHost) == nil {
		return nil, usagef("run: --server-host %s is not an address: say where the load connects with --server-addr IP", o.serverHost)
	}
	for _, h := range strings.Split(o.clientHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.ClientHosts = append(c.ClientHosts, h)
		}
	}
	return c, nil
}
