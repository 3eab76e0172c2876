import { type NextRequest, NextResponse } from "next/server";
import { SESSION_COOKIE, sessionValue, tenantOf } from "./lib/session";

/** Gives every visitor a signed session cookie (a tenant id) before any page or route reads it. */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  if (await tenantOf(request.cookies.get(SESSION_COOKIE)?.value)) return NextResponse.next();
  const tenant = crypto.randomUUID().replaceAll("-", "");
  const value = await sessionValue(tenant);
  // The cookie goes on the request too, so this very request already has its session.
  request.cookies.set(SESSION_COOKIE, value);
  const response = NextResponse.next({ request: { headers: request.headers } });
  response.cookies.set(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: "lax",
    secure: request.nextUrl.protocol === "https:",
    path: "/",
    maxAge: 60 * 60 * 24 * 365,
  });
  return response;
}

export const config = {
  // Not the cron and work routes: they are called by Vercel and by the app itself, not by a visitor.
  matcher: ["/((?!api/cron|api/work|_next/static|_next/image|favicon.ico).*)"],
};
