"""What more than one side uses: interpreter exit and fork (lifecycle), the
bound on pending calls, statistics, the C helpers' declarations, and the
process pool's codec, frames, map runs and call records, which its parent
and its workers share."""
