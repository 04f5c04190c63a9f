// Command bare is the load benchmark's baseline (issue 12): the portal's
// public tender routes written with net/http and the database drivers
// alone — pgx/v5 on PostgreSQL, database/sql with the SQLite driver the
// portal uses on SQLite — answering the same bytes, with the SQL the
// portal runs today (-sql now) or ran when issue 12 was filed (-sql filed). It has no router, no ORM, no sessions and no
// authorisation: what it answers is what an anonymous caller sees. It is
// no part of the portal; bench/run.sh starts it next to the portal.
//
//	PORTAL_DATABASE_URL=postgres://… or PORTAL_DATA_DIR=dir  bare -addr :8081 [-sql filed]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	mode := flag.String("sql", sqlNow, "the SQL to run: now (the portal's today) or filed (the portal's when issue 12 was filed)")
	flag.Parse()
	if *mode != sqlNow && *mode != sqlFiled {
		log.Fatalf("-sql: %q is neither %s nor %s", *mode, sqlNow, sqlFiled)
	}
	db, err := open(context.Background(), os.Getenv("PORTAL_DATABASE_URL"), dataDir(os.Getenv("PORTAL_DATA_DIR")))
	if err != nil {
		log.Fatal(err)
	}
	defer db.close()
	srv := &http.Server{Addr: *addr, Handler: newServer(db, *mode), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("bare listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}

func dataDir(d string) string {
	if d == "" {
		return "./data"
	}
	return d
}

// open connects to PostgreSQL (url postgres://…) or to the portal's SQLite
// file in dir, with the portal's pool sizes (models.DefaultPostgresConns,
// models.DefaultSQLiteConns; all of them kept idle).
func open(ctx context.Context, url, dir string) (database, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url, 16)
	}
	if url != "" {
		return nil, fmt.Errorf("PORTAL_DATABASE_URL must start with postgres://")
	}
	return openSQLite(filepath.Join(dir, "portal.db"), 4)
}
