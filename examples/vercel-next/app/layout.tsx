import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "threadmill on Vercel",
  description: "Import a ChatGPT or Claude export that survives timeouts, redeploys and refreshes.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header>
          <a href="/">threadmill</a> <span>imports that finish</span>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
