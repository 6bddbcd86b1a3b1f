# irsakit's image: the `irsa` command, e.g. `webhook serve` for the pod-identity webhook
# (deploy/webhook). Build from the repository root:
#   docker build -t ghcr.io/irsakit/irsakit:0.1.0 .

FROM node:20-slim AS build
WORKDIR /src
# toolchain for native modules (better-sqlite3) when no prebuilt binary fits
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# scripts off: `prepare` would build before the sources are here; native modules rebuilt below
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# any non-root UID works (the Deployment runs 65532 with a read-only root file system)
USER 65532:65532
EXPOSE 8443 9999
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["--help"]
