// Slipway's pulumi-language-nodejs shim.
//
// The Node.js language host is published in its own Go module since Pulumi v3.69, and the Go module
// proxy reachable here serves no version of that module. The newest host we can build comes from
// pulumi/sdk/v3@v3.68.0, which answers RunPlugin with "not supported": the CLI uses RunPlugin to
// start CrossGuard policy packs, so `pulumi preview --policy-pack` would fail.
//
// This shim is what the CLI starts as pulumi-language-nodejs. It starts the real host
// (pulumi-language-nodejs-upstream, next to this executable) with the same arguments, forwards every
// gRPC call to it unchanged, and implements RunPlugin itself the way current hosts do:
//
//	node [nodeargs] <@pulumi/pulumi/cmd/run-plugin resolved from the program directory> <program dir> <args...>
//
// streaming the plugin's stdout/stderr and exit code back to the CLI.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

const runPluginMethod = "/pulumirpc.LanguageRuntime/RunPlugin"

// frame is an undecoded gRPC message; rawCodec passes frames through untouched.
type frame struct{ payload []byte }

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	f, ok := v.(*frame)
	if !ok {
		return nil, fmt.Errorf("rawCodec: unexpected message type %T", v)
	}
	return f.payload, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	f, ok := v.(*frame)
	if !ok {
		return fmt.Errorf("rawCodec: unexpected message type %T", v)
	}
	f.payload = append(f.payload[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs (slipway shim): "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	self, err := os.Executable()
	if err != nil {
		fatalf("cannot locate own executable: %v", err)
	}
	upstream := filepath.Join(filepath.Dir(self), "pulumi-language-nodejs-upstream")

	// Start the real host with our arguments; it prints its port on the first stdout line.
	child := exec.Command(upstream, os.Args[1:]...)
	child.Stderr = os.Stderr
	child.Stdin = nil
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	childOut, err := child.StdoutPipe()
	if err != nil {
		fatalf("%v", err)
	}
	if err := child.Start(); err != nil {
		fatalf("starting %s: %v", upstream, err)
	}
	port, rest, err := readPort(childOut)
	if err != nil {
		_ = child.Process.Kill()
		fatalf("reading the port of %s: %v", upstream, err)
	}
	go func() { _, _ = io.Copy(os.Stdout, io.MultiReader(rest, childOut)) }()

	conn, err := grpc.NewClient("127.0.0.1:"+port,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallRecvMsgSize(400<<20), grpc.MaxCallSendMsgSize(400<<20)))
	if err != nil {
		_ = child.Process.Kill()
		fatalf("dialing %s: %v", upstream, err)
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = child.Process.Kill()
		fatalf("listen: %v", err)
	}
	p := &proxy{conn: conn}
	srv := grpc.NewServer(
		grpc.ForceServerCodec(rawCodec{}),
		grpc.UnknownServiceHandler(p.handle),
		grpc.MaxRecvMsgSize(400<<20), grpc.MaxSendMsgSize(400<<20))

	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)

	done := make(chan struct{})
	go func() { _ = child.Wait(); close(done) }()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case <-done: // the real host went away: so do we
		case <-sigs:
			_ = child.Process.Signal(syscall.SIGTERM)
		}
		srv.Stop()
	}()
	_ = srv.Serve(lis)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = child.Process.Kill()
	}
}

func readPort(r io.Reader) (string, io.Reader, error) {
	var buf bytes.Buffer
	b := make([]byte, 1)
	for {
		n, err := r.Read(b)
		if n > 0 {
			if b[0] == '\n' {
				port := strings.TrimSpace(buf.String())
				return port, bytes.NewReader(nil), nil
			}
			buf.WriteByte(b[0])
		}
		if err != nil {
			return "", nil, fmt.Errorf("%w (read %q)", err, buf.String())
		}
	}
}

type proxy struct{ conn *grpc.ClientConn }

func (p *proxy) handle(_ any, ss grpc.ServerStream) error {
	method, ok := grpc.MethodFromServerStream(ss)
	if !ok {
		return status.Error(codes.Internal, "no method in stream")
	}
	if method == runPluginMethod {
		return runPlugin(ss)
	}
	return p.forward(method, ss)
}

// forward relays one call (unary or streaming) to the real host.
func (p *proxy) forward(method string, ss grpc.ServerStream) error {
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		ctx = metadata.NewOutgoingContext(ctx, md.Copy())
	}
	cs, err := p.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err != nil {
		return err
	}
	// client -> host
	upErr := make(chan error, 1)
	go func() {
		for {
			f := &frame{}
			if err := ss.RecvMsg(f); err != nil {
				if errors.Is(err, io.EOF) {
					upErr <- cs.CloseSend()
				} else {
					upErr <- err
				}
				return
			}
			if err := cs.SendMsg(f); err != nil {
				upErr <- err
				return
			}
		}
	}()
	// host -> client
	headerSent := false
	for {
		f := &frame{}
		err := cs.RecvMsg(f)
		if !headerSent {
			if h, herr := cs.Header(); herr == nil && h != nil {
				_ = ss.SendHeader(h)
			}
			headerSent = true
		}
		if err != nil {
			ss.SetTrailer(cs.Trailer())
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := ss.SendMsg(f); err != nil {
			return err
		}
		select {
		case e := <-upErr:
			if e != nil {
				return e
			}
		default:
		}
	}
}

// streamWriter sends what a plugin writes as RunPluginResponse messages.
type streamWriter struct {
	mu     *sync.Mutex
	ss     grpc.ServerStream
	stderr bool
}

func (w streamWriter) Write(b []byte) (int, error) {
	resp := &pulumirpc.RunPluginResponse{}
	data := append([]byte(nil), b...)
	if w.stderr {
		resp.Output = &pulumirpc.RunPluginResponse_Stderr{Stderr: data}
	} else {
		resp.Output = &pulumirpc.RunPluginResponse_Stdout{Stdout: data}
	}
	if err := send(w.mu, w.ss, resp); err != nil {
		return 0, err
	}
	return len(b), nil
}

func send(mu *sync.Mutex, ss grpc.ServerStream, m proto.Message) error {
	payload, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	return ss.SendMsg(&frame{payload: payload})
}

func runPlugin(ss grpc.ServerStream) error {
	in := &frame{}
	if err := ss.RecvMsg(in); err != nil {
		return err
	}
	req := &pulumirpc.RunPluginRequest{}
	if err := proto.Unmarshal(in.payload, req); err != nil {
		return status.Errorf(codes.InvalidArgument, "decoding RunPluginRequest: %v", err)
	}

	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetProgram()
	}
	if programDir == "" {
		programDir = req.GetPwd()
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return status.Errorf(codes.FailedPrecondition, "node not found on PATH: %v", err)
	}
	// Resolve run-plugin exactly as Node would from the program directory.
	resolve := exec.Command(node, "-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run-plugin'))")
	resolve.Dir = programDir
	var resolveErr bytes.Buffer
	resolve.Stderr = &resolveErr
	runPath, err := resolve.Output()
	if err != nil {
		return status.Errorf(codes.FailedPrecondition,
			"cannot resolve @pulumi/pulumi/cmd/run-plugin from %s (is @pulumi/pulumi installed?): %v: %s",
			programDir, err, resolveErr.String())
	}

	var args []string
	if opts := req.GetInfo().GetOptions(); opts != nil {
		if v, ok := opts.AsMap()["nodeargs"].(string); ok && v != "" {
			args = append(args, strings.Fields(v)...)
		}
	}
	args = append(args, string(runPath), programDir)
	args = append(args, req.GetArgs()...)

	cmd := exec.Command(node, args...)
	// Plugins (policy packs) read their own package.json from the working directory.
	cmd.Dir = programDir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	mu := &sync.Mutex{}
	cmd.Stdout = streamWriter{mu: mu, ss: ss}
	cmd.Stderr = streamWriter{mu: mu, ss: ss, stderr: true}

	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return status.Errorf(codes.Internal, "running %s: %v", node, err)
		}
		code = int32(exitErr.ExitCode())
	}
	return send(mu, ss, &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}
