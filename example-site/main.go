// Command example-site runs a small shop website with the Roost message
// server on one address: the same server cmd/roost runs (server/service),
// with the shop's pages and demo endpoints beside its routes. The page loads
// the Roost runtime with one script tag and shows the visitor's inbox; the
// site's backend sends through /v1/send/*.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/roostmsg/roost/server/service"
)

func main() {
	o := options{}
	flag.StringVar(&o.Addr, "addr", envOr("ROOST_ADDR", "127.0.0.1:8080"), "listen address (env ROOST_ADDR)")
	flag.StringVar(&o.DataDir, "data", envOr("ROOST_DATA", "data"), "data directory: roost.db, the generated API key and site secret (env ROOST_DATA)")
	flag.StringVar(&o.APIKey, "api-key", os.Getenv("ROOST_API_KEY"), "App API key (env ROOST_API_KEY; default: generated once, kept in the data directory)")
	flag.StringVar(&o.SiteSecret, "site-secret", os.Getenv("ROOST_SITE_SECRET"), "secret that signs the page's identities (env ROOST_SITE_SECRET; default: generated once, kept in the data directory)")
	flag.StringVar(&o.SiteID, "site-id", envOr("ROOST_SITE_ID", "example"), "site id the browser runtime sends (env ROOST_SITE_ID)")
	flag.StringVar(&o.Seed, "seed", "example-site/seed.json", "templates and people loaded at start")
	flag.Float64Var(&o.SendRateLimit, "rate-limit", envFloat("ROOST_RATE_LIMIT"), "send-side requests per second per API key; 0: 100, negative: no limit (env ROOST_RATE_LIMIT)")
	flag.StringVar(&o.Assets, "assets", os.Getenv("ROOST_RUNTIME_DIR"), "directory of a built browser runtime (make runtime's server/assets/dist); default: the one built in (env ROOST_RUNTIME_DIR)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o options) error {
	if _, err := service.RuntimeFiles(o.Assets); err != nil {
		return fmt.Errorf("%w (`make run` builds it)", err)
	}
	s, err := openSite(ctx, o)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.svc.Run(ctx, func(addr, _ net.Addr) {
		base := "http://" + addr.String()
		fmt.Printf("Roost example site: %s/\nControl page:       %s/control (sends the example templates)\n", base, base)
		fmt.Printf("Headless example:   %s/headless (an inbox the page draws on the page API)\nApp API key:        %s\n", base, s.apiKey)
		fmt.Printf("Signed identities:  on; the page gets %s's signature from %s/api/session\n\nSend a message:\n", demoUser, base)
		fmt.Printf("  curl -X POST %s/v1/send/inbox_message \\\n    -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n", base, s.apiKey)
		fmt.Printf(`    -d '{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},"message_data":{"order_id":"ORD-5678","tracking_url":"https://track.example.com/5678","product_name":"Blue Widget"}}'` + "\n")
	})
}

// envFloat returns the number in environment variable name, 0 when it is
// unset; it exits with a clear message when it is not a number.
func envFloat(name string) float64 {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		log.Fatalf("%s=%q is not a number", name, v)
	}
	return f
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
